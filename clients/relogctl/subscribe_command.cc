#include "clients/relogctl/subscribe_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "services/api/status_conversion.h"

namespace relog::ctl {
namespace {

const char kUsage[] =
    "relogctl subscribe [--after=N | --from_now] [--position_file=FILE]\n"
    "    [--type=relog.v1.OfferMade]... [--operation=ID]... "
    "[--commune=INSEE]...\n"
    "    [--landlord=SIREN]... [--until_caught_up] [--no_retry] [--json]";

struct SubscribeArgs {
  relog::v1::SubscribeRequest request;
  std::string position_file;
  bool until_caught_up = false;
  bool retry = true;
};

absl::StatusOr<SubscribeArgs> Parse(const std::vector<std::string>& args) {
  SubscribeArgs out;
  std::optional<uint64_t> after;
  for (const std::string& arg : args) {
    absl::string_view text = arg;
    if (!absl::ConsumePrefix(&text, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg, "\""));
    }
    const size_t eq = text.find('=');
    const std::string name(text.substr(0, eq));
    const bool has_value = eq != absl::string_view::npos;
    const std::string value(has_value ? text.substr(eq + 1) : "");
    auto needs_value = [&]() -> absl::Status {
      if (has_value && !value.empty()) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": needs a value (--", name, "=...)"));
    };
    if (name == "from_now" || name == "until_caught_up" || name == "no_retry") {
      if (has_value) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, ": takes no value"));
      }
      if (name == "from_now") out.request.set_from_now(true);
      if (name == "until_caught_up") out.until_caught_up = true;
      if (name == "no_retry") out.retry = false;
      continue;
    }
    if (absl::Status s = needs_value(); !s.ok()) return s;
    if (name == "after") {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(value, &n)) {
        return absl::InvalidArgumentError(
            "--after: a position (a non-negative integer)");
      }
      after = n;
    } else if (name == "position_file") {
      out.position_file = value;
    } else if (name == "type") {
      out.request.add_event_types(value);
    } else if (name == "operation") {
      out.request.add_operation_ids(value);
    } else if (name == "commune") {
      out.request.add_commune_insees(value);
    } else if (name == "landlord") {
      out.request.add_landlord_ids(value);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": unknown flag"));
    }
  }
  if (after.has_value() && out.request.from_now()) {
    return absl::InvalidArgumentError("give --after or --from_now, not both");
  }
  if (after.has_value()) out.request.set_after_position(*after);
  return out;
}

// The position saved in `path`, nullopt if there is no such file.
absl::StatusOr<std::optional<uint64_t>> ReadPosition(const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  uint64_t position = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.str()), &position)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--position_file: ", path, " does not hold a position"));
  }
  return position;
}

// Written to a temporary name, synced, then renamed over the file: after
// a crash the file holds the old position or the new one, never half.
bool WritePosition(const std::string& path, uint64_t position) {
  const std::string temporary = path + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return false;
  const std::string text = absl::StrCat(position, "\n");
  const bool written =
      std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
      std::fflush(file) == 0 && fsync(fileno(file)) == 0;
  const bool closed = std::fclose(file) == 0;
  return written && closed && std::rename(temporary.c_str(), path.c_str()) == 0;
}

void PrintEvent(const Context& ctx, const relog::v1::SubscribedEvent& e) {
  if (ctx.json) {
    std::string line = ToJson(e);
    line.erase(std::remove(line.begin(), line.end(), '\n'), line.end());
    absl::PrintF("%s\n", line);
    return;
  }
  const relog::v1::CaseHistoryEvent& event = e.event();
  absl::PrintF("%8d  %-16s v%-3d %-36s %s  recorded %s by %s\n",
               event.position(), e.case_(), event.version(), event.type(),
               event.occurred_at(), FormatTimestamp(event.recorded_at()),
               event.actor());
}

bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

}  // namespace

std::string SubscribeHelp() {
  return absl::StrCat(
      kUsage,
      "\n\n"
      "  Prints the case events relogd commits, in log order: first those "
      "after the\n"
      "  position, then each new commit as it comes, until interrupted.\n"
      "  --after=N            start after position N (default 0: the whole "
      "log)\n"
      "  --from_now           start at the log's head\n"
      "  --position_file=F    resume after the position saved in F (when F "
      "exists,\n"
      "                       --after and --from_now only start a new "
      "file), and save there\n"
      "                       the position of every message once printed "
      "(at least\n"
      "                       once: an event printed just before a crash "
      "comes again)\n"
      "  --type= --operation= --commune= --landlord=\n"
      "                       filters (each may repeat; one of a filter's "
      "values will\n"
      "                       do, every filter given must pass); parties as "
      "of each\n"
      "                       event (docs/SUBSCRIPTIONS.md)\n"
      "  --until_caught_up    stop once the log's head is reached\n"
      "  --no_retry           stop on UNAVAILABLE instead of resuming "
      "(with backoff)\n"
      "  --json               one JSON object per event and line\n");
}

int Subscribe(const Context& ctx, const std::vector<std::string>& args) {
  absl::StatusOr<SubscribeArgs> parsed = Parse(args);
  if (!parsed.ok()) {
    return UsageError(absl::StrCat(parsed.status().message(), "\n", kUsage));
  }
  SubscribeArgs& a = *parsed;
  if (!a.position_file.empty()) {
    absl::StatusOr<std::optional<uint64_t>> saved =
        ReadPosition(a.position_file);
    if (!saved.ok()) return UsageError(saved.status().message());
    if (saved->has_value()) {
      if (a.request.from_now() || a.request.after_position() != 0) {
        std::fprintf(stderr,
                     "relogctl: resuming after position %llu from %s "
                     "(--after and --from_now only start a new file)\n",
                     static_cast<unsigned long long>(**saved),
                     a.position_file.c_str());
      }
      a.request.set_from_now(false);
      a.request.set_after_position(**saved);
    }
  }
  auto stub = relog::v1::Subscriptions::NewStub(ctx.channel);
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    // No deadline: a subscription lasts until it is interrupted.
    grpc::ClientContext call;
    call.set_wait_for_ready(a.retry);
    auto reader = stub->Subscribe(&call, a.request);
    relog::v1::SubscribeResponse message;
    bool stopped_caught_up = false;
    while (reader->Read(&message)) {
      for (const relog::v1::SubscribedEvent& e : message.events()) {
        PrintEvent(ctx, e);
      }
      std::fflush(stdout);
      a.request.set_from_now(false);
      a.request.set_after_position(message.position());
      if (!a.position_file.empty() &&
          !WritePosition(a.position_file, message.position())) {
        call.TryCancel();
        while (reader->Read(&message)) {
        }
        reader->Finish();
        std::fprintf(stderr, "relogctl: cannot write %s\n",
                     a.position_file.c_str());
        return kExitError;
      }
      backoff = absl::Milliseconds(200);
      if (a.until_caught_up && message.caught_up()) {
        stopped_caught_up = true;
        call.TryCancel();
      }
    }
    const grpc::Status status = reader->Finish();
    if (stopped_caught_up) return kExitOk;
    if (!a.retry || !Retryable(status)) return Fail(status);
    std::fprintf(stderr,
                 "relogctl: subscription ended (%s: %s); resuming after "
                 "position %llu\n",
                 api::ReadErrorDetails(status).reason.c_str(),
                 status.error_message().c_str(),
                 static_cast<unsigned long long>(a.request.after_position()));
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

}  // namespace relog::ctl
