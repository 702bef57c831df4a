#include "clients/relogctl/step_flags.h"

#include <cstdint>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace relog::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kSealedFieldNumber = 900;
constexpr int kMaxDepth = 8;
constexpr char kCentsSuffix[] = "_cents";

absl::Status FlagError(absl::string_view name, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", message));
}

void Collect(const Descriptor* descriptor, const std::string& prefix,
             std::vector<const FieldDescriptor*>& chain, int depth,
             std::vector<FieldFlag>& out) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->number() == kSealedFieldNumber) continue;
    const std::string path = prefix.empty()
                                 ? std::string(field->name())
                                 : absl::StrCat(prefix, ".", field->name());
    chain.push_back(field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated() && !field->is_map() && depth < kMaxDepth) {
        Collect(field->message_type(), path, chain, depth + 1, out);
      }
    } else {
      out.push_back(FieldFlag{path, chain});
    }
    chain.pop_back();
  }
}

std::string EnumPrefix(const EnumDescriptor* type) {
  // The longest prefix ending in '_' that every value name shares.
  std::string prefix = std::string(type->value(0)->name());
  for (int i = 1; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    size_t n = 0;
    while (n < prefix.size() && n < name.size() && prefix[n] == name[n]) ++n;
    prefix.resize(n);
  }
  const size_t underscore = prefix.rfind('_');
  if (underscore == std::string::npos || type->value_count() < 2) return "";
  return prefix.substr(0, underscore + 1);
}

bool ParseBool(absl::string_view text, bool* value) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "yes" || lower == "1" || lower.empty()) {
    *value = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "0") {
    *value = false;
    return true;
  }
  return false;
}

const EnumValueDescriptor* ParseEnum(const EnumDescriptor* type,
                                     absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  const std::string prefix = EnumPrefix(type);
  if (const EnumValueDescriptor* v = type->FindValueByName(prefix + upper)) {
    return v;
  }
  if (const EnumValueDescriptor* v = type->FindValueByName(upper)) return v;
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) return type->FindValueByNumber(number);
  return nullptr;
}

std::string EnumChoices(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;
    names.push_back(EnumShortName(type->value(i)));
  }
  return absl::StrJoin(names, ", ");
}

// Sets (or adds, for a repeated field) one value.
absl::Status SetOne(absl::string_view name, const FieldDescriptor* field,
                    absl::string_view text, bool euros, Message* message) {
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  auto bad = [&](absl::string_view what) {
    return FlagError(name, absl::StrCat("\"", text, "\" is not ", what));
  };
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? r->AddString(message, field, std::string(text))
               : r->SetString(message, field, std::string(text));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (!ParseBool(text, &v)) return bad("true or false");
      repeated ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!absl::SimpleAtoi(text, &v)) return bad("an integer");
      repeated ? r->AddInt32(message, field, v)
               : r->SetInt32(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (euros) {
        absl::StatusOr<int64_t> cents = ParseEuros(text);
        if (!cents.ok()) return bad("an amount in euros (e.g. 412.50)");
        v = *cents;
      } else if (!absl::SimpleAtoi(text, &v)) {
        return bad("an integer");
      }
      repeated ? r->AddInt64(message, field, v)
               : r->SetInt64(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      if (!absl::SimpleAtoi(text, &v)) return bad("a non-negative integer");
      repeated ? r->AddUInt32(message, field, v)
               : r->SetUInt32(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      if (!absl::SimpleAtoi(text, &v)) return bad("a non-negative integer");
      repeated ? r->AddUInt64(message, field, v)
               : r->SetUInt64(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = 0;
      if (!absl::SimpleAtod(text, &v)) return bad("a number");
      repeated ? r->AddDouble(message, field, v)
               : r->SetDouble(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v = 0;
      if (!absl::SimpleAtof(text, &v)) return bad("a number");
      repeated ? r->AddFloat(message, field, v)
               : r->SetFloat(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* v = ParseEnum(field->enum_type(), text);
      if (v == nullptr) {
        return FlagError(name, absl::StrCat("\"", text, "\" is not one of ",
                                            EnumChoices(field->enum_type())));
      }
      repeated ? r->AddEnum(message, field, v) : r->SetEnum(message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return FlagError(name, "has no command-line form (use --body_json)");
}

}  // namespace

bool FieldFlag::has_euro_alias() const {
  return field()->cpp_type() == FieldDescriptor::CPPTYPE_INT64 &&
         absl::EndsWith(field()->name(), kCentsSuffix);
}

std::vector<FieldFlag> ListFieldFlags(const Descriptor* descriptor) {
  std::vector<FieldFlag> out;
  std::vector<const FieldDescriptor*> chain;
  Collect(descriptor, "", chain, 0, out);
  return out;
}

std::string EnumShortName(const EnumValueDescriptor* value) {
  const std::string prefix = EnumPrefix(value->type());
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, prefix);
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<FieldFlag> ResolveFieldFlag(const std::vector<FieldFlag>& flags,
                                           absl::string_view name,
                                           bool* euros) {
  *euros = false;
  // Exact path, then euro alias.
  for (const FieldFlag& flag : flags) {
    if (flag.path == name) return flag;
  }
  for (const FieldFlag& flag : flags) {
    if (flag.has_euro_alias() &&
        absl::StrCat(name, kCentsSuffix) == flag.path) {
      *euros = true;
      return flag;
    }
  }
  // A unique suffix of whole path components.
  std::vector<std::pair<const FieldFlag*, bool>> matches;
  const std::string dotted = absl::StrCat(".", name);
  for (const FieldFlag& flag : flags) {
    if (absl::EndsWith(flag.path, dotted)) {
      matches.push_back({&flag, false});
    } else if (flag.has_euro_alias() &&
               absl::EndsWith(flag.path, absl::StrCat(dotted, kCentsSuffix))) {
      matches.push_back({&flag, true});
    }
  }
  if (matches.size() == 1) {
    *euros = matches[0].second;
    return *matches[0].first;
  }
  if (matches.empty()) {
    return FlagError(name, "unknown flag (relogctl help COMMAND lists them)");
  }
  std::vector<std::string> paths;
  for (const auto& [flag, in_euros] : matches) {
    std::string path = flag->path;
    if (in_euros) path.resize(path.size() - strlen(kCentsSuffix));
    paths.push_back("--" + path);
  }
  return FlagError(
      name, absl::StrCat("ambiguous: one of ", absl::StrJoin(paths, ", ")));
}

absl::Status ApplyFieldFlag(const std::vector<FieldFlag>& flags,
                            absl::string_view name, absl::string_view value,
                            Message* message) {
  bool euros = false;
  absl::StatusOr<FieldFlag> flag = ResolveFieldFlag(flags, name, &euros);
  if (!flag.ok()) return flag.status();
  const FieldDescriptor* leaf = flag->field();
  if (value.empty() && leaf->cpp_type() != FieldDescriptor::CPPTYPE_BOOL &&
      leaf->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return FlagError(name, "needs a value (--flag=value)");
  }
  Message* target = message;
  for (size_t i = 0; i + 1 < flag->chain.size(); ++i) {
    const FieldDescriptor* field = flag->chain[i];
    const Reflection* r = target->GetReflection();
    if (const auto* oneof = field->containing_oneof()) {
      const FieldDescriptor* set = r->GetOneofFieldDescriptor(*target, oneof);
      if (set != nullptr && set != field) {
        return FlagError(
            name, absl::StrCat("conflicts with ", set->name(), " (one of ",
                               oneof->name(), " only)"));
      }
    }
    target = r->MutableMessage(target, field);
  }
  if (const auto* oneof = leaf->containing_oneof()) {
    const FieldDescriptor* set =
        target->GetReflection()->GetOneofFieldDescriptor(*target, oneof);
    if (set != nullptr && set != leaf && !oneof->is_synthetic()) {
      return FlagError(name, absl::StrCat("conflicts with ", set->name()));
    }
  }
  if (leaf->is_repeated()) {
    for (absl::string_view item : absl::StrSplit(value, ',')) {
      item = absl::StripAsciiWhitespace(item);
      if (item.empty()) continue;
      absl::Status status = SetOne(name, leaf, item, euros, target);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  return SetOne(name, leaf, value, euros, target);
}

absl::StatusOr<int64_t> ParseEuros(absl::string_view text) {
  std::string s(absl::StripAsciiWhitespace(text));
  for (char& c : s) {
    if (c == ',') c = '.';
  }
  bool negative = false;
  absl::string_view rest = s;
  if (absl::ConsumePrefix(&rest, "-")) negative = true;
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '.');
  auto all_digits = [](absl::string_view p) {
    for (char c : p) {
      if (!absl::ascii_isdigit(c)) return false;
    }
    return true;
  };
  if (parts.size() > 2 || parts[0].empty() || !all_digits(parts[0]) ||
      parts[0].size() > 12) {
    return absl::InvalidArgumentError("not an amount");
  }
  int64_t euros = 0;
  if (!absl::SimpleAtoi(parts[0], &euros)) {
    return absl::InvalidArgumentError("not an amount");
  }
  int64_t cents = 0;
  if (parts.size() == 2) {
    if (parts[1].empty() || parts[1].size() > 2 || !all_digits(parts[1])) {
      return absl::InvalidArgumentError("at most two decimals");
    }
    (void)absl::SimpleAtoi(parts[1], &cents);
    if (parts[1].size() == 1) cents *= 10;
  }
  const int64_t total = euros * 100 + cents;
  return negative ? -total : total;
}

std::string DescribeFieldType(const FieldDescriptor* field) {
  std::string type;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      type = absl::StrCat(field->enum_type()->name(), " (",
                          EnumChoices(field->enum_type()), ")");
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      type = std::string(field->message_type()->name());
      break;
    default:
      type = field->cpp_type_name();
  }
  if (field->is_repeated()) return absl::StrCat("list of ", type);
  if (field->has_optional_keyword()) return absl::StrCat("optional ", type);
  return type;
}

}  // namespace relog::ctl
