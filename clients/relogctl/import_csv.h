// The CSV files `relogctl import` reads (docs/IMPORT.md): what French
// spreadsheets export. Pure functions, no I/O.
//
// - Encoding: UTF-8 (a leading BOM is dropped) or Windows-1252. Detected
//   unless forced: bytes that are valid UTF-8 are UTF-8, anything else is
//   Windows-1252 (a Windows-1252 export of French text is almost never
//   valid UTF-8: é is 0xE9, which UTF-8 only allows as a lead byte
//   followed by two continuation bytes). Everything is UTF-8 afterwards.
// - Separator: ';' or ',', whichever occurs more often outside quotes in
//   the header line (Excel in French exports ';', since ',' is the decimal
//   mark); a header with neither is one column.
// - RFC 4180 quoting: a field in double quotes may hold separators,
//   newlines (CRLF or LF) and doubled double quotes. Line ends are CRLF or
//   LF. Blank lines are skipped.
// - Values: dates dd/mm/yyyy (also d/m/yyyy) or ISO yyyy-mm-dd; decimals
//   with a comma or a point, and spaces (also non-breaking) as thousands
//   separators; amounts in euros with an optional "€".
#ifndef RELOG_CLIENTS_RELOGCTL_IMPORT_CSV_H_
#define RELOG_CLIENTS_RELOGCTL_IMPORT_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace relog::ctl {

enum class CsvEncoding { kAuto, kUtf8, kWindows1252 };

struct CsvRecord {
  // The 1-based line of the file where the record starts (a quoted field
  // may span lines).
  int line = 0;
  std::vector<std::string> fields;
  // Set when the record cannot be read as a row of the header (more
  // fields than it has): the reason, for that row alone to be rejected.
  std::string error;
};

struct CsvFile {
  CsvEncoding encoding = CsvEncoding::kUtf8;  // as read (never kAuto)
  char separator = ';';
  std::vector<std::string> header;  // trimmed
  std::vector<CsvRecord> records;   // after the header
};

// "auto", "utf-8"/"utf8", "windows-1252"/"cp1252"/"latin1"
// (ISO-8859-1 is read as its superset Windows-1252). INVALID_ARGUMENT
// otherwise.
absl::StatusOr<CsvEncoding> ParseEncodingName(absl::string_view name);
const char* EncodingName(CsvEncoding encoding);

bool IsValidUtf8(absl::string_view bytes);
// Every byte mapped to its Unicode code point in Windows-1252, as UTF-8
// (the five bytes it leaves undefined map to U+FFFD).
std::string Windows1252ToUtf8(absl::string_view bytes);

// The whole file. INVALID_ARGUMENT: not valid UTF-8 when forced, an empty
// file, a quote left open (with the line it opened on), a record with more
// fields than the header (with its line). A record with fewer fields is
// padded with empty ones (spreadsheets drop trailing empty cells).
absl::StatusOr<CsvFile> ParseCsv(absl::string_view bytes,
                                 CsvEncoding encoding = CsvEncoding::kAuto);

// `field` as written in a CSV file with `separator`: quoted when needed
// (for tools that write import files, e.g. the benchmark's generator).
std::string CsvQuote(absl::string_view field, char separator);

// Values. Each returns INVALID_ARGUMENT with a reason a user can act on;
// callers have trimmed the text and handled empty cells.
absl::StatusOr<absl::CivilDay> ParseCsvDate(absl::string_view text);
// "64", "64,5", "1 234,56", "1234.56"; no exponent, at most one mark.
absl::StatusOr<double> ParseCsvDecimal(absl::string_view text);
// Euros with up to two decimals ("380,50", "380.5 €") as cents.
absl::StatusOr<int64_t> ParseCsvEuroCents(absl::string_view text);
absl::StatusOr<int64_t> ParseCsvInteger(absl::string_view text);
// oui/non, o/n, yes/no, true/false, vrai/faux, 1/0, x (yes).
absl::StatusOr<bool> ParseCsvBool(absl::string_view text);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_IMPORT_CSV_H_
