// libFuzzer target for the replay of a case stream (LoadCase in
// services/api/case_repository.cc): arbitrary bytes as the stored payloads
// of events of each type, decoded by DecodeCaseEvent and folded with Evolve
// in order, then shown as GetCase does. Never a crash; an event that does
// not decode stops the replay with DATA_LOSS (or FAILED_PRECONDITION
// ENVELOPE_CIPHER_UNSUPPORTED) naming its stream, version, global position
// and type in the error metadata.
//
// Input: a sequence of events, each u8(type) u8(flags) u16be(length)
// payload. `type` indexes AllCaseEventTypes() (beyond it: a type that is
// not a case event); flags bit 0 drops occurred_at, bits 1-7 move it by
// that many days.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/stubs/logging.h"
#include "services/api/case_view.h"
#include "services/cases/case_state.h"
#include "services/cases/event_codec.h"
#include "services/cases/sealing.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

using relog::fuzz::Check;

constexpr char kStream[] = "case-fuzz";

void CheckDecodeError(const absl::Status& status,
                      const relog::RecordedEvent& recorded) {
  Check(absl::IsDataLoss(status) ||
            (absl::IsFailedPrecondition(status) &&
             relog::ErrorReason(status) ==
                 relog::cases::kReasonEnvelopeCipherUnsupported),
        "an undecodable event is not DATA_LOSS", status);
  Check(!relog::ErrorReason(status).empty(), "no reason", status);
  relog::ErrorMetadata metadata = relog::GetErrorMetadata(status);
  Check(metadata[relog::meta::kStream] == recorded.stream_id,
        "the error does not name the stream", status);
  Check(metadata[relog::cases::kMetaVersion] == absl::StrCat(recorded.version),
        "the error does not name the version", status);
  Check(metadata[relog::meta::kPosition] == absl::StrCat(recorded.position),
        "the error does not name the position", status);
  Check(metadata[relog::cases::kMetaEventType] == recorded.type,
        "the error does not name the type", status);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in a string field is refused by parsing; not worth a
  // line per input.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string>* const kTypes =
      new std::vector<std::string>(relog::cases::AllCaseEventTypes());
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  relog::cases::CaseState state;
  state.case_id = "fuzz";
  uint64_t version = 0;
  while (input.size() >= 4) {
    const uint8_t type = static_cast<uint8_t>(input[0]);
    const uint8_t flags = static_cast<uint8_t>(input[1]);
    const size_t length =
        (static_cast<uint8_t>(input[2]) << 8) | static_cast<uint8_t>(input[3]);
    input.remove_prefix(4);
    const absl::string_view payload = input.substr(0, length);
    input.remove_prefix(payload.size());

    relog::RecordedEvent recorded;
    recorded.stream_id = kStream;
    recorded.version = version;
    recorded.position = 1000 + 7 * version;
    recorded.recorded_at = absl::FromUnixSeconds(1735689600 + 3600 * version);
    recorded.type = type < kTypes->size()
                        ? (*kTypes)[type]
                        : absl::StrCat("relog.v1.NotACaseEvent", type);
    recorded.payload = std::string(payload);
    if ((flags & 1) == 0) {
      recorded.metadata.occurred_at =
          absl::CivilDay(2025, 1, 10) + version * 3 + (flags >> 1);
    }

    // A reader allowed nothing drops every envelope unopened.
    absl::StatusOr<relog::cases::CaseEvent> restricted =
        relog::cases::DecodeCaseEvent(recorded, {});
    if (!restricted.ok()) CheckDecodeError(restricted.status(), recorded);

    absl::StatusOr<relog::cases::CaseEvent> event =
        relog::cases::DecodeCaseEvent(recorded, relog::cases::AllDataClasses());
    if (!event.ok()) {
      CheckDecodeError(event.status(), recorded);
      break;  // LoadCase stops at the first such event
    }
    Check(relog::cases::EventType(*event) == recorded.type,
          "decoded as another type");
    Check(event->occurred_on == *recorded.metadata.occurred_at,
          "decoded at another date");
    state = relog::cases::Evolve(std::move(state), *event);
    // Encoding it again may be refused (unknown fields), never crash.
    (void)relog::cases::EncodeCaseEvent(*event);
    ++version;
  }
  Check(state.exists() == (version > 0), "a state without its events");
  Check(!state.exists() || state.version() == version - 1,
        "the state's version is not the last event's");
  (void)relog::api::ToCaseProto(state, absl::FromUnixSeconds(1735689600));
  return 0;
}
