// The layout of `relogctl import` files (docs/IMPORT.md): one row per
// household, its columns, and what each row becomes — the same requests
// interactive use sends, one per step the row records. Pure: no server.
#ifndef RELOG_CLIENTS_RELOGCTL_IMPORT_ROWS_H_
#define RELOG_CLIENTS_RELOGCTL_IMPORT_ROWS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "clients/relogctl/import_csv.h"
#include "clients/relogctl/mutations.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "relog/v1/case_service.pb.h"

namespace relog::ctl {

// One column of the layout.
struct ImportColumn {
  const char* name;
  const char* type;      // "text", "date", "decimal", "euros", …
  const char* required;  // "yes", "no", or the condition
  const char* command;   // the RPC it feeds
  const char* meaning;
};
const std::vector<ImportColumn>& ImportColumns();

// A problem with a row: its line in the file, the column, and why.
struct RowError {
  int line = 0;
  std::string column;  // empty: the row as a whole
  std::string reason;
};

// What identifies a household across files (never the row's content).
struct NaturalKey {
  std::string landlord_id;
  std::string tenant_reference;
  std::string national_application_number;

  // "lt\x1f{landlord}\x1f{tenant}", else "nun\x1f{number}": the identity
  // the request ids derive from, and the in-file duplicate check.
  std::string Canonical() const;
  relog::v1::HouseholdKey ToProto() const;
  // For messages: "landlord 999000029, tenant reference L-1" or
  // "national number …". Personal: printed locally only.
  std::string Describe() const;
};

// One step of a household after its identification.
struct ImportStep {
  const Mutation* mutation = nullptr;
  // The step as a request (name and request_id filled by the runner).
  std::unique_ptr<google::protobuf::Message> request;
  relog::v1::CaseStep::StepCase kind = relog::v1::CaseStep::STEP_NOT_SET;
  absl::CivilDay day;
  // The column of its date, to report the server's date errors there.
  std::string date_column;
  // Prefix of the columns its dwelling fields come from ("arrival_" for
  // the lease, "" for the identification's origin dwelling).
  std::string dwelling_prefix;
};

// A row, as requests.
struct HouseholdImport {
  int line = 0;
  NaturalKey key;
  // Set for a decohabitation: the natural key of the household it leaves.
  // Its identification is then sent as RecordDecohabitation on the
  // parent's case, dated identified_on.
  std::optional<NaturalKey> parent;
  relog::v1::IdentifyHouseholdRequest identify;
  absl::CivilDay identified_on;
  std::vector<ImportStep> steps;  // in date order, as sent
  // The history lacks steps (a lease without its offers, acceptance and
  // CAL): flagged imported_history on the identification.
  bool imported_history = false;
};

// The columns a step of `kind` takes from the file, as a field mask of
// the step's message: what a re-import compares with the case and what a
// correction replaces. Computed fields (reste à charge, the building's
// commune and QPV, offer ids) are not in it.
const google::protobuf::FieldMask& OwnedFields(
    relog::v1::CaseStep::StepCase kind);

// The step message inside a request built by ParseHouseholdRow.
const google::protobuf::Message& StepOfRequest(
    const google::protobuf::Message& request);

// Checks the header: every column known, the required ones present.
// Errors name the column.
std::vector<RowError> CheckHeader(const std::vector<std::string>& header);

// One record as requests, or nullopt with its errors appended to
// `errors` (every one found, each with the line and column). `today`
// (Europe/Paris) bounds every date.
std::optional<HouseholdImport> ParseHouseholdRow(
    const std::vector<std::string>& header, const CsvRecord& record,
    absl::CivilDay today, std::vector<RowError>* errors);

// The column a server error's field ("household.origin.facts.surface_m2",
// "lease.dwelling.facts.rent_cents", "occurred_at") comes from in a step,
// or "" when none does.
std::string ColumnOfField(const ImportStep& step, absl::string_view field);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_IMPORT_ROWS_H_
