#include "clients/relogctl/audit_commands.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/relogctl/log_commands.h"
#include "clients/relogctl/report_commands.h"
#include "relog/v1/audit.grpc.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "services/audit/atomic_file.h"
#include "services/audit/checkpoint.h"
#include "services/audit/signing_key.h"
#include "storage/sha256.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;

constexpr char kUsage[] =
    "relogctl audit checkpoint [--out=FILE]\n"
    "relogctl audit public-key [--out=FILE]\n"
    "relogctl audit verify\n"
    "relogctl audit verify-checkpoint FILE [--public-key=KEY.pem]\n"
    "relogctl audit export --out=FILE [--case=cases/ID] [--from_position=N]\n"
    "relogctl audit replay cases/ID [--known_at=RFC3339|YYYY-MM-DD]";

struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
};

// --key=value or --key value, for the flags in `allowed`; false after
// printing a usage error.
bool ParseArgs(const std::vector<std::string>& args,
               const std::vector<std::string>& allowed, Args* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view text = args[i];
    if (!absl::ConsumePrefix(&text, "--")) {
      out->positional.push_back(args[i]);
      continue;
    }
    const size_t eq = text.find('=');
    std::string key(text.substr(0, eq));
    // --public_key and --public-key alike.
    for (char& c : key) c = c == '_' ? '-' : c;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      UsageError(absl::StrCat("--", key, ": unknown flag\nusage:\n", kUsage));
      return false;
    }
    if (eq != absl::string_view::npos) {
      out->flags[key] = std::string(text.substr(eq + 1));
    } else if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) {
      out->flags[key] = args[++i];
    } else {
      UsageError(absl::StrCat("--", key, " needs a value\nusage:\n", kUsage));
      return false;
    }
  }
  return true;
}

std::string Flag(const Args& args, const std::string& key) {
  auto it = args.flags.find(key);
  return it == args.flags.end() ? "" : it->second;
}

int IoError(const absl::Status& status) {
  std::fprintf(stderr, "relogctl: %s\n", std::string(status.message()).c_str());
  return kExitError;
}

int Broken(uint64_t position, absl::string_view problem,
           absl::string_view detail) {
  absl::PrintF("BROKEN at position %d (%s): %s\n", position, problem, detail);
  return kExitBrokenLog;
}

int Checkpoint(const Context& ctx, const Args& args) {
  auto stub = v1::Audit::NewStub(ctx.channel);
  v1::Checkpoint checkpoint;
  grpc::Status status = stub->CreateCheckpoint(
      NewCall(ctx).get(), v1::CreateCheckpointRequest(), &checkpoint);
  if (!status.ok()) return Fail(status);
  const std::string out = Flag(args, "out");
  if (!out.empty()) {
    absl::Status written = audit::WriteFileAtomically(
        out, checkpoint.text(), 0644, "CHECKPOINT_WRITE_FAILED");
    if (!written.ok()) return IoError(written);
  }
  if (ctx.json) {
    PrintJson(checkpoint);
  } else {
    std::fputs(checkpoint.text().c_str(), stdout);
    absl::FPrintF(stderr, "relogd wrote it to %s%s\n", checkpoint.path(),
                  out.empty() ? "" : absl::StrCat("; and relogctl to ", out));
  }
  return kExitOk;
}

int PublicKey(const Context& ctx, const Args& args) {
  auto stub = v1::Audit::NewStub(ctx.channel);
  v1::PublicKey key;
  grpc::Status status =
      stub->GetPublicKey(NewCall(ctx).get(), v1::GetPublicKeyRequest(), &key);
  if (!status.ok()) return Fail(status);
  const std::string out = Flag(args, "out");
  if (!out.empty()) {
    absl::Status written =
        audit::WriteFileAtomically(out, key.pem(), 0644, "PUBLIC_KEY_WRITE");
    if (!written.ok()) return IoError(written);
  }
  if (ctx.json) {
    PrintJson(key);
  } else {
    std::fputs(key.pem().c_str(), stdout);
    absl::FPrintF(stderr, "key id %s (%s)%s\n", key.key_id(), key.algorithm(),
                  out.empty() ? "" : absl::StrCat(", written to ", out));
  }
  return kExitOk;
}

// Proves that the log served still extends the history the checkpoint
// signed: the signature (checked here, with the key given or fetched), the
// head at or past its position, the global hash stored there the one
// signed, the chain of links from there to the head recomputed here, and
// VerifyLog over the whole log.
int VerifyCheckpoint(const Context& ctx, const Args& args) {
  if (args.positional.size() != 1) {
    return UsageError(absl::StrCat("one checkpoint FILE\nusage:\n", kUsage));
  }
  const std::string& path = args.positional[0];
  absl::StatusOr<std::string> text =
      audit::ReadWholeFile(path, "CHECKPOINT_READ");
  if (!text.ok()) return IoError(text.status());
  absl::StatusOr<audit::Checkpoint> checkpoint =
      audit::ParseCheckpointFile(*text);
  if (!checkpoint.ok()) {
    return Broken(0, "checkpoint malformed",
                  absl::StrCat(path, ": ", checkpoint.status().message()));
  }
  const uint64_t position = checkpoint->position;

  auto audit_stub = v1::Audit::NewStub(ctx.channel);
  std::string pem;
  const std::string key_path = Flag(args, "public-key");
  if (!key_path.empty()) {
    absl::StatusOr<std::string> read =
        audit::ReadWholeFile(key_path, "PUBLIC_KEY_READ");
    if (!read.ok()) return IoError(read.status());
    pem = *read;
  } else {
    v1::PublicKey key;
    grpc::Status status = audit_stub->GetPublicKey(
        NewCall(ctx).get(), v1::GetPublicKeyRequest(), &key);
    if (!status.ok()) return Fail(status);
    pem = key.pem();
    std::fputs(
        "relogctl: using the public key relogd gives; pass --public-key with "
        "a copy kept apart for a check that does not trust the server\n",
        stderr);
  }
  absl::StatusOr<audit::PublicKey> key = audit::PublicKey::FromPem(pem);
  if (!key.ok()) return IoError(key.status());
  if (absl::Status signature =
          audit::VerifyCheckpointSignature(*checkpoint, *key);
      !signature.ok()) {
    return Broken(position, "signature", signature.message());
  }

  auto log_stub = v1::LogService::NewStub(ctx.channel);
  v1::LogHead head;
  grpc::Status status =
      log_stub->GetLogHead(NewCall(ctx).get(), v1::GetLogHeadRequest(), &head);
  if (!status.ok()) return Fail(status);
  if (head.position() < position) {
    return Broken(position, "truncated",
                  absl::StrCat("the log ends at position ", head.position(),
                               ", before the checkpoint's position ", position,
                               ": the newest events were deleted"));
  }

  // The links from the checkpoint to the head, recomputed here.
  v1::ReadChainLinksRequest request;
  request.set_from_position(position);
  request.set_to_position(head.position());
  auto call = NewCall(ctx);
  std::unique_ptr<grpc::ClientReader<v1::ChainLinks>> reader =
      audit_stub->ReadChainLinks(call.get(), request);
  v1::ChainLinks batch;
  uint64_t expected = position;
  std::string global = checkpoint->global_hash;
  std::optional<int> broken;
  while (!broken.has_value() && reader->Read(&batch)) {
    for (const v1::ChainLink& link : batch.links()) {
      if (link.position() != expected) {
        broken = Broken(
            expected, "missing",
            absl::StrCat("position ", expected,
                         " is absent; the next stored is ", link.position()));
        break;
      }
      if (link.position() == position) {
        if (link.global_hash() != global) {
          broken =
              Broken(position, "rewritten",
                     absl::StrCat("the global hash stored at position ",
                                  position, " is ", ToHex(link.global_hash()),
                                  ", the checkpoint signed ", ToHex(global),
                                  ": the history up to it was changed"));
          break;
        }
      } else {
        global = NextGlobalHash(global, link.position(), link.stream_hash());
        if (link.stream_hash().size() != kHashSize ||
            link.global_hash() != global) {
          broken = Broken(link.position(), "altered",
                          "the stored global hash does not chain from the "
                          "previous one");
          break;
        }
      }
      ++expected;
    }
  }
  if (broken.has_value()) {
    call->TryCancel();
    (void)reader->Finish();
    return *broken;
  }
  status = reader->Finish();
  if (!status.ok()) return Fail(status);
  if (expected != head.position() + 1) {
    return Broken(expected, "missing",
                  absl::StrCat("the links end at position ", expected - 1,
                               " before the head at ", head.position()));
  }

  // Bytes altered under intact hashes show only when the events' stream
  // hashes are recomputed: VerifyLog walks the whole log.
  v1::VerifyLogResponse verify;
  status =
      log_stub->VerifyLog(NewCall(ctx).get(), v1::VerifyLogRequest(), &verify);
  if (!status.ok()) return Fail(status);
  if (verify.problem() != v1::VerifyLogResponse::PROBLEM_NONE) {
    return Broken(verify.position(),
                  v1::VerifyLogResponse::Problem_Name(verify.problem()),
                  verify.detail());
  }
  absl::PrintF(
      "OK: the log extends the checkpoint at position %d (signed %s, key "
      "%s)\n  global hash at %d  %s\n  chain recomputed from %d to the head "
      "at %d\n  VerifyLog: %d events in %d streams\n",
      position, audit::FormatCheckpointTime(checkpoint->signed_at),
      checkpoint->key_id, position, ToHex(checkpoint->global_hash), position,
      head.position(), verify.events_checked(), verify.streams_checked());
  return kExitOk;
}

int Export(const Context& ctx, const Args& args) {
  const std::string out = Flag(args, "out");
  if (out.empty() || !args.positional.empty()) {
    return UsageError(
        absl::StrCat("export needs --out=FILE\nusage:\n", kUsage));
  }
  const std::string case_name = Flag(args, "case");
  uint64_t from_position = 0;
  if (!Flag(args, "from-position").empty() &&
      (case_name.empty() ||
       !absl::SimpleAtoi(Flag(args, "from-position"), &from_position))) {
    return UsageError("--from_position: a position, with --case only");
  }
  auto stub = v1::Audit::NewStub(ctx.channel);
  // No deadline of one call for the whole log: an export takes as long
  // as the log is long.
  grpc::ClientContext call;
  std::unique_ptr<grpc::ClientReader<v1::ExportChunk>> reader;
  if (case_name.empty()) {
    reader = stub->ExportLog(&call, v1::ExportLogRequest());
  } else {
    v1::ExportCaseRequest request;
    request.set_name(CaseName(case_name));
    request.set_from_position(from_position);
    reader = stub->ExportCase(&call, request);
  }
  // Written beside the target, renamed once complete: a failed export
  // leaves no file that looks whole.
  const std::string partial = out + ".part";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) {
    std::fprintf(stderr, "relogctl: cannot write %s\n", partial.c_str());
    return kExitError;
  }
  v1::ExportChunk chunk;
  v1::Checkpoint checkpoint;
  uint64_t bytes = 0;
  while (reader->Read(&chunk)) {
    if (chunk.has_checkpoint()) checkpoint = chunk.checkpoint();
    file.write(chunk.data().data(),
               static_cast<std::streamsize>(chunk.data().size()));
    bytes += chunk.data().size();
  }
  grpc::Status status = reader->Finish();
  file.close();
  if (!status.ok()) {
    std::remove(partial.c_str());
    return Fail(status);
  }
  if (!file.good() || std::rename(partial.c_str(), out.c_str()) != 0) {
    std::remove(partial.c_str());
    std::fprintf(stderr, "relogctl: cannot write %s\n", out.c_str());
    return kExitError;
  }
  if (ctx.json) {
    PrintJson(checkpoint);
  } else {
    absl::PrintF(
        "wrote %s: %d bytes, %s up to position %d, ending with the "
        "checkpoint signed %s by key %s\n",
        out, bytes, case_name.empty() ? "the whole log" : CaseName(case_name),
        checkpoint.position(), FormatTimestamp(checkpoint.signed_at()),
        checkpoint.key_id());
  }
  return kExitOk;
}

// A case's replayed history as a timeline: per event its version, business
// date, type, when and by whom it was recorded, its hashes, the case's
// state after it and the corrections it received.
int Replay(const Context& ctx, const Args& args) {
  if (args.positional.size() != 1) {
    return UsageError(absl::StrCat("give one case\nusage:\n", kUsage));
  }
  v1::ReplayCaseRequest request;
  request.set_name(CaseName(args.positional[0]));
  const std::string known_at = Flag(args, "known-at");
  if (!known_at.empty()) {
    absl::TimeZone paris;
    if (!absl::LoadTimeZone("Europe/Paris", &paris)) {
      return IoError(absl::NotFoundError("time zone Europe/Paris: tzdata"));
    }
    absl::StatusOr<google::protobuf::Timestamp> t =
        ParseKnownAt(known_at, paris);
    if (!t.ok()) return UsageError(t.status().message());
    *request.mutable_known_at() = *t;
  }
  auto stub = v1::Audit::NewStub(ctx.channel);
  v1::ReplayCaseResponse response;
  const grpc::Status status =
      stub->ReplayCase(NewCall(ctx).get(), request, &response);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(response);
    return kExitOk;
  }
  absl::PrintF(
      "%s %s (log position %d): %d events", response.name(),
      request.has_known_at()
          ? absl::StrCat("as known at ", FormatTimestamp(request.known_at()))
          : std::string("as known now"),
      response.position(), response.events_size());
  if (response.events_recorded_later() > 0) {
    absl::PrintF(", %d recorded later not shown",
                 response.events_recorded_later());
  }
  absl::PrintF("\n\n");
  for (const v1::ReplayedEvent& replayed : response.events()) {
    const v1::CaseHistoryEvent& e = replayed.event();
    std::string type(absl::StripPrefix(e.type(), "relog.v1."));
    if (e.has_correction()) {
      absl::StrAppend(&type, " of v", replayed.corrects_version());
    } else if (e.has_cancellation()) {
      absl::StrAppend(&type, " of v", replayed.corrects_version());
    }
    absl::PrintF("v%-3d %s  %-34s recorded %s by %s\n", e.version(),
                 e.occurred_at(), type, FormatTimestamp(e.recorded_at()),
                 e.actor());
    std::string after = absl::StrCat(
        "      -> ", v1::Case::State_Name(replayed.case_after().state()));
    if (!replayed.corrected_by().empty()) {
      absl::StrAppend(&after, "   corrected by v",
                      absl::StrJoin(replayed.corrected_by(), ", v"));
    }
    absl::PrintF("%s\n      position %d  stream %s  global %s\n", after,
                 e.position(), e.stream_hash().substr(0, 16),
                 e.global_hash().substr(0, 16));
  }
  return kExitOk;
}

}  // namespace

std::string AuditHelp() {
  return absl::StrCat(
      kUsage,
      "\n\n"
      "  checkpoint         relogd signs its head now and writes the file "
      "into its\n"
      "                     checkpoint folder; printed, and kept in --out\n"
      "  public-key         the Ed25519 key that verifies the checkpoints "
      "(PEM)\n"
      "  verify             walk both hash chains and the indexes (= log "
      "verify)\n"
      "  verify-checkpoint  check FILE's signature here, then that the log "
      "still\n"
      "                     extends it: head at or past its position, the "
      "same global\n"
      "                     hash there, the chain to the head, VerifyLog\n"
      "  export             the whole log or one case in the format of "
      "docs/AUDIT.md,\n"
      "                     ending with a checkpoint: check it with "
      "relog-verify or\n"
      "                     clients/python/verify_export.py\n"
      "  replay             a case's history, event by event, with the case "
      "after each\n"
      "                     and its corrections; --known_at: as recorded by "
      "then (a day:\n"
      "                     its end, Europe/Paris)\n\n"
      "exit codes: 0 ok, 1 error, 2 usage, 3 the log is broken or does not "
      "extend the\ncheckpoint (the position and the problem are printed)\n");
}

int AuditCommand(const Context& ctx, const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  const std::vector<std::string> rest =
      args.empty() ? args
                   : std::vector<std::string>(args.begin() + 1, args.end());
  Args parsed;
  if (command == "checkpoint" || command == "public-key") {
    if (!ParseArgs(rest, {"out"}, &parsed)) return kExitUsage;
    if (!parsed.positional.empty()) {
      return UsageError(absl::StrCat("no argument expected\nusage:\n", kUsage));
    }
    return command == "checkpoint" ? Checkpoint(ctx, parsed)
                                   : PublicKey(ctx, parsed);
  }
  if (command == "verify" && rest.empty()) return LogVerify(ctx);
  if (command == "verify-checkpoint") {
    if (!ParseArgs(rest, {"public-key"}, &parsed)) return kExitUsage;
    return VerifyCheckpoint(ctx, parsed);
  }
  if (command == "export") {
    if (!ParseArgs(rest, {"out", "case", "from-position"}, &parsed)) {
      return kExitUsage;
    }
    return Export(ctx, parsed);
  }
  if (command == "replay") {
    if (!ParseArgs(rest, {"known-at"}, &parsed)) return kExitUsage;
    return Replay(ctx, parsed);
  }
  return UsageError(absl::StrCat("unknown audit command \"", command,
                                 "\"\nusage:\n", kUsage));
}

}  // namespace relog::ctl
