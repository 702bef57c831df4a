#include "clients/relogctl/events_doc.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "clients/relogctl/help.h"
#include "google/protobuf/descriptor.h"
#include "relog/v1/case_events.pb.h"
#include "relog/v1/data_class.pb.h"
#include "services/cases/sealing.h"

namespace relog::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

constexpr char kPreamble[] = R"(# Case events

Generated from `proto/relog/v1/case_events.proto` by `relogctl help events`
(a test fails when this file and the protos disagree). Every event of a
household's case, as `relog.v1.Subscriptions/Subscribe` and
`CaseService.GetCaseHistory` deliver it: a `CaseHistoryEvent` carrying the
position, version, ids, dates, actor, hashes and the body below
(`step` holds exactly one member of `CaseStep`; `correction` and
`cancellation` the last two types). docs/SUBSCRIPTIONS.md says how a feed
is filtered and resumed.

## How event schemas evolve

These rules bind relog; code against them and your integration keeps
working across relog's versions.

1. A field's number, type and meaning never change. A field that is no
   longer written is reserved, never reused.
2. New fields are added, with new numbers. Ignore fields you do not know
   (protobuf does it for you) and never reject a message for holding one.
3. New event types may appear: a feed may carry a `type` you do not know.
   Skip it (and keep saving the position); never stop on it.
4. Enums gain values: treat a value you do not know as the `…_UNSPECIFIED`
   one, never as an error.
5. A field's data class never becomes less protective. Fields of a class
   other than `STATISTICAL` travel sealed and reach only callers allowed to
   read that class: absent is not "empty", it may be "not yours to read" or
   "erased".
6. The stored bytes of every event type are pinned by golden files
   (`tests/cases/golden/`) that every build decodes: an old event stays
   readable forever.
7. Dates are civil days `YYYY-MM-DD` (Europe/Paris); amounts are euro cents
   per month; ids of landlords, communes, quartiers, operations, buildings,
   programmes and réservataires are those of the reference data in force
   on the event's date.

## Data classes

| class | meaning |
|---|---|
)";

std::string Cell(std::string text) {
  absl::StrReplaceAll({{"|", "\\|"}}, &text);
  return text;
}

std::string ClassName(relog::v1::DataClass data_class) {
  return std::string(
      absl::StripPrefix(relog::v1::DataClass_Name(data_class), "DATA_CLASS_"));
}

std::string TypeName(const FieldDescriptor* field) {
  std::string type;
  if (field->message_type() != nullptr) {
    type = field->message_type()->name();
  } else if (field->enum_type() != nullptr) {
    type = field->enum_type()->name();
  } else {
    type = field->type_name();
  }
  return field->is_repeated() ? absl::StrCat("repeated ", type) : type;
}

// The messages and enums that `message`'s fields use, recursively, in the
// order met; SealedEnvelope is described once, apart.
void CollectTypes(const Descriptor* message,
                  std::vector<const Descriptor*>& messages,
                  std::vector<const EnumDescriptor*>& enums,
                  std::set<const void*>& seen) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (const Descriptor* m = field->message_type()) {
      if (m == relog::v1::SealedEnvelope::descriptor() ||
          m == relog::v1::CaseStep::descriptor()) {
        continue;
      }
      if (seen.insert(m).second) {
        messages.push_back(m);
        CollectTypes(m, messages, enums, seen);
      }
    } else if (const EnumDescriptor* e = field->enum_type()) {
      if (seen.insert(e).second) enums.push_back(e);
    }
  }
}

void RenderFields(const Descriptor* message, std::string& out) {
  absl::StrAppend(&out, "| # | field | type | data class | meaning |\n",
                  "|---|---|---|---|---|\n");
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (field->number() == cases::kSealedFieldNumber) continue;
    absl::StrAppend(&out, "| ", field->number(), " | `", field->name(), "` | ",
                    TypeName(field), " | ",
                    ClassName(cases::DataClassOf(field)), " | ",
                    Cell(FieldComment(field)), " |\n");
  }
}

void RenderMessage(const Descriptor* message, const std::string& heading,
                   std::string& out) {
  absl::StrAppend(&out, heading, "\n\n");
  const std::string comment = MessageComment(message);
  if (!comment.empty()) absl::StrAppend(&out, comment, "\n\n");
  RenderFields(message, out);
  absl::StrAppend(&out, "\n");
}

}  // namespace

std::string RenderEventsMarkdown() {
  std::string out = kPreamble;
  const EnumDescriptor* classes = relog::v1::DataClass_descriptor();
  for (int i = 1; i < classes->value_count(); ++i) {
    absl::StrAppend(&out, "| ",
                    absl::StripPrefix(classes->value(i)->name(), "DATA_CLASS_"),
                    " | ", Cell(EnumValueComment(classes->value(i))), " |\n");
  }
  absl::StrAppend(
      &out,
      "\nEvery event message also has `repeated SealedEnvelope sealed = "
      "900`: the\nnon-statistical fields as stored. relog unseals what the "
      "caller may read\nback into the fields themselves before sending; a "
      "consumer never needs to\nopen an envelope.\n\n## Event types\n\n");

  std::vector<const Descriptor*> events;
  const Descriptor* step = relog::v1::CaseStep::descriptor();
  for (int i = 0; i < step->field_count(); ++i) {
    events.push_back(step->field(i)->message_type());
  }
  events.push_back(relog::v1::StepCorrected::descriptor());
  events.push_back(relog::v1::StepCancelled::descriptor());

  absl::StrAppend(&out, "| type | `CaseStep` member |\n|---|---|\n");
  for (const Descriptor* event : events) {
    const FieldDescriptor* member = nullptr;
    for (int i = 0; i < step->field_count(); ++i) {
      if (step->field(i)->message_type() == event) member = step->field(i);
    }
    absl::StrAppend(&out, "| [`relog.v1.", event->name(), "`](#",
                    absl::AsciiStrToLower(event->name()), ") | ",
                    member == nullptr ? "— (`correction` / `cancellation`)"
                                      : absl::StrCat("`", member->name(), "`"),
                    " |\n");
  }
  absl::StrAppend(&out, "\n");

  std::vector<const Descriptor*> shared;
  std::vector<const EnumDescriptor*> enums;
  std::set<const void*> seen;
  for (const Descriptor* event : events) {
    RenderMessage(event, absl::StrCat("### ", event->name()), out);
    CollectTypes(event, shared, enums, seen);
  }

  absl::StrAppend(&out, "## Messages the events share\n\n");
  for (const Descriptor* message : shared) {
    RenderMessage(message, absl::StrCat("### ", message->full_name()), out);
  }
  absl::StrAppend(&out, "## Enums\n\n");
  for (const EnumDescriptor* e : enums) {
    absl::StrAppend(&out, "### ", e->full_name(),
                    "\n\n| value | name | "
                    "meaning |\n|---|---|---|\n");
    for (int i = 0; i < e->value_count(); ++i) {
      absl::StrAppend(&out, "| ", e->value(i)->number(), " | `",
                      e->value(i)->name(), "` | ",
                      Cell(EnumValueComment(e->value(i))), " |\n");
    }
    absl::StrAppend(&out, "\n");
  }
  while (absl::EndsWith(out, "\n\n")) out.pop_back();
  return out;
}

}  // namespace relog::ctl
