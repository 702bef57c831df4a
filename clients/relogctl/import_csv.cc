#include "clients/relogctl/import_csv.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace relog::ctl {
namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";

// Windows-1252's 0x80–0x9F (0 where undefined); 0xA0–0xFF are Latin-1.
constexpr uint16_t kHigh1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The separator of the header line: ';' or ',', the more frequent outside
// quotes (';' on a tie, French exports' default).
char DetectSeparator(absl::string_view text) {
  int semicolons = 0, commas = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n') break;
    if (c == ';') ++semicolons;
    if (c == ',') ++commas;
  }
  return commas > semicolons ? ',' : ';';
}

bool BlankRecord(const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    if (!absl::StripAsciiWhitespace(f).empty()) return false;
  }
  return true;
}

// Drops spaces, non-breaking (U+00A0) and narrow non-breaking (U+202F)
// spaces, which French number formats put between thousands.
std::string WithoutSpaces(absl::string_view text) {
  std::string out = absl::StrReplaceAll(
      text, {{"\xC2\xA0", ""}, {"\xE2\x80\xAF", ""}, {" ", ""}});
  return out;
}

absl::Status BadValue(absl::string_view text, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not ", expected));
}

}  // namespace

absl::StatusOr<CsvEncoding> ParseEncodingName(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "auto") return CsvEncoding::kAuto;
  if (lower == "utf-8" || lower == "utf8") return CsvEncoding::kUtf8;
  if (lower == "windows-1252" || lower == "cp1252" || lower == "latin1" ||
      lower == "iso-8859-1" || lower == "latin-1") {
    return CsvEncoding::kWindows1252;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown encoding \"", name, "\" (auto, utf-8 or windows-1252)"));
}

const char* EncodingName(CsvEncoding encoding) {
  switch (encoding) {
    case CsvEncoding::kAuto:
      return "auto";
    case CsvEncoding::kUtf8:
      return "UTF-8";
    case CsvEncoding::kWindows1252:
      return "Windows-1252";
  }
  return "?";
}

bool IsValidUtf8(absl::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= bytes.size()) return false;  // cut short
    for (int k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(bytes[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string Windows1252ToUtf8(absl::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else if (c < 0xA0) {
      const uint16_t cp = kHigh1252[c - 0x80];
      AppendUtf8(out, cp == 0 ? 0xFFFD : cp);
    } else {
      AppendUtf8(out, c);
    }
  }
  return out;
}

absl::StatusOr<CsvFile> ParseCsv(absl::string_view bytes,
                                 CsvEncoding encoding) {
  CsvFile file;
  std::string text;
  if (absl::StartsWith(bytes, kBom)) {
    // A BOM says UTF-8 whatever was asked, unless the rest is not.
    bytes.remove_prefix(kBom.size());
    if (encoding == CsvEncoding::kAuto) encoding = CsvEncoding::kUtf8;
  }
  if (encoding == CsvEncoding::kAuto) {
    encoding =
        IsValidUtf8(bytes) ? CsvEncoding::kUtf8 : CsvEncoding::kWindows1252;
  }
  if (encoding == CsvEncoding::kUtf8) {
    if (!IsValidUtf8(bytes)) {
      return absl::InvalidArgumentError(
          "the file is not valid UTF-8 (try --encoding=windows-1252)");
    }
    text = std::string(bytes);
  } else {
    text = Windows1252ToUtf8(bytes);
  }
  file.encoding = encoding;
  file.separator = DetectSeparator(text);

  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int line = 1;
  int quote_line = 0;
  bool quoted = false;
  bool at_field_start = true;
  record.line = 1;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    at_field_start = true;
  };
  auto end_record = [&] {
    end_field();
    if (!BlankRecord(record.fields)) records.push_back(std::move(record));
    record = CsvRecord();
    record.line = line;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        // CRLF inside a quoted field is one line end.
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && at_field_start) {
      quoted = true;
      quote_line = line;
      at_field_start = false;
    } else if (c == file.separator) {
      end_field();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record();
    } else {
      // A quote inside an unquoted field is kept as typed.
      field.push_back(c);
      if (c != ' ' && c != '\t') at_field_start = false;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", quote_line, ": a quoted field is never closed"));
  }
  if (!field.empty() || !record.fields.empty()) end_record();
  if (records.empty()) {
    return absl::InvalidArgumentError("the file is empty (no header line)");
  }
  for (std::string& name : records.front().fields) {
    file.header.push_back(std::string(absl::StripAsciiWhitespace(name)));
  }
  for (size_t r = 1; r < records.size(); ++r) {
    CsvRecord& rec = records[r];
    if (rec.fields.size() > file.header.size()) {
      // Trailing empty cells beyond the header are harmless.
      while (rec.fields.size() > file.header.size() &&
             absl::StripAsciiWhitespace(rec.fields.back()).empty()) {
        rec.fields.pop_back();
      }
      if (rec.fields.size() > file.header.size()) {
        rec.error = absl::StrCat(
            rec.fields.size(), " fields, the header has ", file.header.size(),
            " (a separator inside a value must be quoted)");
      }
    }
    rec.fields.resize(file.header.size());
    file.records.push_back(std::move(rec));
  }
  return file;
}

std::string CsvQuote(absl::string_view field, char separator) {
  if (field.find_first_of(std::string{'"', '\n', '\r', separator}) ==
          absl::string_view::npos &&
      (field.empty() || (field.front() != ' ' && field.back() != ' '))) {
    return std::string(field);
  }
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

absl::StatusOr<absl::CivilDay> ParseCsvDate(absl::string_view text) {
  int y = 0, m = 0, d = 0;
  const std::vector<absl::string_view> slash = absl::StrSplit(text, '/');
  const std::vector<absl::string_view> dash = absl::StrSplit(text, '-');
  bool parsed = false;
  if (slash.size() == 3 && slash[2].size() == 4 && slash[0].size() <= 2 &&
      slash[1].size() <= 2) {
    parsed = absl::SimpleAtoi(slash[0], &d) && absl::SimpleAtoi(slash[1], &m) &&
             absl::SimpleAtoi(slash[2], &y);
  } else if (dash.size() == 3 && dash[0].size() == 4 && dash[1].size() == 2 &&
             dash[2].size() == 2) {
    parsed = absl::SimpleAtoi(dash[0], &y) && absl::SimpleAtoi(dash[1], &m) &&
             absl::SimpleAtoi(dash[2], &d);
  }
  if (!parsed) return BadValue(text, "a date (dd/mm/yyyy or yyyy-mm-dd)");
  const absl::CivilDay day(y, m, d);
  // CivilDay normalises 31/02 to 03/03: such a date does not exist.
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900) {
    return BadValue(text, "an existing date");
  }
  return day;
}

absl::StatusOr<double> ParseCsvDecimal(absl::string_view text) {
  std::string s = WithoutSpaces(text);
  const size_t commas = std::count(s.begin(), s.end(), ',');
  const size_t points = std::count(s.begin(), s.end(), '.');
  if (commas + points > 1) {
    return BadValue(text,
                    "a number (one decimal mark, no thousands mark "
                    "but spaces)");
  }
  std::replace(s.begin(), s.end(), ',', '.');
  double value = 0;
  const bool digits_only =
      !s.empty() && s.find_first_not_of("0123456789.-+") == std::string::npos;
  if (!digits_only || !absl::SimpleAtod(s, &value) || !std::isfinite(value)) {
    return BadValue(text, "a number");
  }
  return value;
}

absl::StatusOr<int64_t> ParseCsvEuroCents(absl::string_view text) {
  absl::string_view t = text;
  t = absl::StripAsciiWhitespace(t);
  if (absl::ConsumeSuffix(&t, "\xE2\x82\xAC")) {  // €
    t = absl::StripTrailingAsciiWhitespace(t);
  }
  std::string s = WithoutSpaces(t);
  std::replace(s.begin(), s.end(), ',', '.');
  const size_t point = s.find('.');
  if (point != std::string::npos && s.size() - point - 1 > 2) {
    return BadValue(text, "an amount in euros with at most two decimals");
  }
  absl::StatusOr<double> value = ParseCsvDecimal(s);
  if (!value.ok()) return BadValue(text, "an amount in euros");
  return static_cast<int64_t>(std::llround(*value * 100));
}

absl::StatusOr<int64_t> ParseCsvInteger(absl::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(WithoutSpaces(text), &value)) {
    return BadValue(text, "a whole number");
  }
  return value;
}

absl::StatusOr<bool> ParseCsvBool(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  for (const char* yes : {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}) {
    if (lower == yes) return true;
  }
  for (const char* no : {"non", "n", "no", "false", "faux", "0"}) {
    if (lower == no) return false;
  }
  return BadValue(text, "yes or no (oui/non)");
}

}  // namespace relog::ctl
