#include "services/reference/reference_files.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/reference/reference_integrity.h"
#include "services/reference/reference_rows.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog::reference {
namespace {

namespace pb = relog::v1;

// ---- Canonical order ----

std::string Bytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

template <typename Msg, typename KeyFn>
void SortRows(google::protobuf::RepeatedPtrField<Msg>* rows, KeyFn key) {
  std::vector<std::pair<std::string, Msg>> keyed;
  keyed.reserve(rows->size());
  for (Msg& row : *rows) {
    keyed.emplace_back(absl::StrCat(key(row), "\x1f", Bytes(row)),
                       std::move(row));
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  rows->Clear();
  for (auto& [k, row] : keyed) *rows->Add() = std::move(row);
}

}  // namespace

void Canonicalize(pb::ReferenceDataLoaded& data) {
  SortRows(data.mutable_communes(), [](const pb::Commune& r) {
    return absl::StrCat(r.insee(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_adjacencies(), [](const pb::Adjacency& r) {
    return absl::StrCat(r.insee_a(), "\x1f", r.insee_b(), "\x1f",
                        r.valid_from());
  });
  SortRows(data.mutable_quartiers(), [](const pb::Quartier& r) {
    return absl::StrCat(r.code(), "\x1f", r.valid_from(), "\x1f", r.insee());
  });
  SortRows(data.mutable_landlords(), [](const pb::Landlord& r) {
    return absl::StrCat(r.id(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_reservataires(), [](const pb::Reservataire& r) {
    return absl::StrCat(r.id(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_operations(), [](const pb::Operation& r) {
    return absl::StrCat(r.id(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_buildings(), [](const pb::Building& r) {
    return absl::StrCat(r.operation_id(), "\x1f", r.id());
  });
  SortRows(data.mutable_programmes(),
           [](const pb::Programme& r) { return r.id(); });
  SortRows(data.mutable_commitments(), [](const pb::CharterCommitment& r) {
    return absl::StrCat(r.amendment_ref(), "\x1f", r.party_kind(), "\x1f",
                        r.party_id(), "\x1f", r.period_from());
  });
  SortRows(data.mutable_allocations(), [](const pb::SocialAllocations& r) {
    return absl::StrCat(r.year(), "\x1f", r.landlord_id(), "\x1f", r.insee());
  });
  SortRows(data.mutable_iml_scale(), [](const pb::ImlRate& r) {
    return absl::StrCat(r.zoning(), "\x1f", r.zone(), "\x1f", r.valid_from(),
                        "\x1f", r.typology_min());
  });
  SortRows(data.mutable_apl_rent_ceilings(), [](const pb::AplRentCeiling& r) {
    return absl::StrCat(r.zone(), "\x1f", r.category(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_commune_zones(), [](const pb::CommuneZone& r) {
    return absl::StrCat(r.insee(), "\x1f", r.zoning(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_targets(), [](const pb::ReferenceTarget& r) {
    return absl::StrCat(r.target_id(), "\x1f", r.scope(), "\x1f",
                        r.valid_from());
  });
  SortRows(data.mutable_coverage(), [](const pb::FileCoverage& r) {
    return absl::StrCat(r.file(), "\x1f", r.complete_from());
  });
  SortRows(data.mutable_fragility_classes(), [](const pb::FragilityClass& r) {
    return absl::StrCat(r.iris(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_occupancy_norms(), [](const pb::OccupancyNorm& r) {
    return absl::StrCat(r.persons(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_coordination_bodies(),
           [](const pb::CoordinationBodyMember& r) {
             return absl::StrCat(r.body_id(), "\x1f", r.insee(), "\x1f",
                                 r.valid_from());
           });
  SortRows(data.mutable_commune_successions(),
           [](const pb::CommuneSuccession& r) { return r.old_insee(); });
  SortRows(data.mutable_max_rents(), [](const pb::MaxRent& r) {
    return absl::StrCat(r.financing(), "\x1f", r.zone(), "\x1f",
                        r.valid_from());
  });
}

std::string ComputeContentSha256(const pb::ReferenceDataLoaded& data) {
  pb::ReferenceDataLoaded copy = data;
  copy.clear_content_sha256();
  copy.clear_loaded_from();
  return ToHex(Sha256({Bytes(copy)}));
}

absl::StatusOr<pb::ReferenceDataLoaded> ParseReferenceDir(
    const std::string& dir) {
  internal::ReferenceCsvFiles files;
  RETURN_IF_ERROR(internal::ReadReferenceCsvFiles(dir, files));
  internal::ParsedRows rows;
  RETURN_IF_ERROR(internal::ParseRows(files, rows));
  RETURN_IF_ERROR(internal::CheckIntegrity(rows));

  // ---- The event payload ----
  pb::ReferenceDataLoaded loaded;
  for (auto& p : rows.communes) *loaded.add_communes() = std::move(p.msg);
  for (auto& p : rows.adjacencies) *loaded.add_adjacencies() = std::move(p.msg);
  for (auto& p : rows.quartiers) *loaded.add_quartiers() = std::move(p.msg);
  for (auto& p : rows.landlords) *loaded.add_landlords() = std::move(p.msg);
  for (auto& p : rows.reservataires) {
    *loaded.add_reservataires() = std::move(p.msg);
  }
  for (auto& p : rows.operations) *loaded.add_operations() = std::move(p.msg);
  for (auto& p : rows.buildings) *loaded.add_buildings() = std::move(p.msg);
  for (auto& p : rows.programmes) *loaded.add_programmes() = std::move(p.msg);
  for (auto& p : rows.commitments) *loaded.add_commitments() = std::move(p.msg);
  for (auto& p : rows.allocations) *loaded.add_allocations() = std::move(p.msg);
  for (auto& p : rows.iml_scale) *loaded.add_iml_scale() = std::move(p.msg);
  for (auto& p : rows.apl_ceilings) {
    *loaded.add_apl_rent_ceilings() = std::move(p.msg);
  }
  for (auto& p : rows.commune_zones) {
    *loaded.add_commune_zones() = std::move(p.msg);
  }
  for (auto& p : rows.targets) *loaded.add_targets() = std::move(p.msg);
  for (auto& p : rows.coverage) *loaded.add_coverage() = std::move(p.msg);
  for (auto& p : rows.fragility_classes) {
    *loaded.add_fragility_classes() = std::move(p.msg);
  }
  for (auto& p : rows.occupancy_norms) {
    *loaded.add_occupancy_norms() = std::move(p.msg);
  }
  for (auto& p : rows.bodies) {
    *loaded.add_coordination_bodies() = std::move(p.msg);
  }
  for (auto& p : rows.successions) {
    *loaded.add_commune_successions() = std::move(p.msg);
  }
  for (auto& p : rows.max_rents) *loaded.add_max_rents() = std::move(p.msg);
  Canonicalize(loaded);
  loaded.set_content_sha256(ComputeContentSha256(loaded));
  loaded.set_loaded_from(dir);
  return loaded;
}

}  // namespace relog::reference
