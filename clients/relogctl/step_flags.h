// Command-line flags for the fields of a step message, derived by protobuf
// reflection from its descriptor (never written by hand):
//
//   --dwelling.facts.commune_insee=59350   a field by its path
//   --commune_insee=59350                  or by a unique path suffix
//   --reasons=location,rent_too_high       repeated: comma-separated (a
//                                          repeated flag appends)
//   --typology=t3                          enums: the value name without the
//                                          enum's prefix, any case (the full
//                                          name TYPOLOGY_T3 works too)
//   --has_lift=true --lift                 bools: true/false/yes/no/1/0, or
//                                          the bare flag for true
//   --rent_cents=41250 --rent=412.50       *_cents fields: cents, or euros
//                                          under the name without "_cents"
//   --replacement.offer_made.dwelling.facts.rent=420   corrections
//
// Repeated message fields (e.g. diagnosis members) have no flag: give them
// with --body_json. An unknown flag, an ambiguous suffix or a bad value is
// an error whose message names the flag.
#ifndef RELOG_CLIENTS_RELOGCTL_STEP_FLAGS_H_
#define RELOG_CLIENTS_RELOGCTL_STEP_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace relog::ctl {

// One settable field of a message: its dotted path from the message and
// the fields leading to it.
struct FieldFlag {
  std::string path;
  std::vector<const google::protobuf::FieldDescriptor*> chain;
  const google::protobuf::FieldDescriptor* field() const {
    return chain.back();
  }
  // A *_cents integer field: "--<path without _cents>" takes euros.
  bool has_euro_alias() const;
};

// Every scalar, enum and repeated scalar field reachable from `descriptor`
// through singular message fields, in field order, depth first. The
// `sealed` envelopes (field 900) are left out.
std::vector<FieldFlag> ListFieldFlags(
    const google::protobuf::Descriptor* descriptor);

// The short lowercase name of an enum value: TYPOLOGY_T3 → "t3",
// OfferWithdrawn.REASON_UNSPECIFIED → "unspecified".
std::string EnumShortName(const google::protobuf::EnumValueDescriptor* value);

// The field `name` designates (exact path, euro alias, or unique suffix);
// *euros is set when the euro alias was used. INVALID_ARGUMENT naming the
// flag when unknown or ambiguous.
absl::StatusOr<FieldFlag> ResolveFieldFlag(const std::vector<FieldFlag>& flags,
                                           absl::string_view name, bool* euros);

// Sets the field `name` designates in `message` from `value`.
absl::Status ApplyFieldFlag(const std::vector<FieldFlag>& flags,
                            absl::string_view name, absl::string_view value,
                            google::protobuf::Message* message);

// Parses an amount in euros ("412.50", "412,5", "-3") into cents.
absl::StatusOr<int64_t> ParseEuros(absl::string_view text);

// "string", "int32", "enum Typology (t1, t2, …)", "repeated …", "euros".
std::string DescribeFieldType(const google::protobuf::FieldDescriptor* field);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_STEP_FLAGS_H_
