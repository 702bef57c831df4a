#include "storage/rocksdb_view_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "rocksdb/write_batch.h"
#include "storage/byte_codec.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog {
namespace {

constexpr size_t kMaxViewNameBytes = 200;

absl::Status CheckName(absl::string_view view) {
  if (view.empty() || view.size() > kMaxViewNameBytes) {
    return MakeError(absl::StatusCode::kInvalidArgument, "INVALID_VIEW_NAME",
                     absl::StrCat("view name must be 1 to ", kMaxViewNameBytes,
                                  " bytes long"),
                     {{meta::kView, std::string(view)}});
  }
  return absl::OkStatus();
}

std::string DataKey(uint64_t generation, absl::string_view key) {
  std::string out = layout::ViewDataPrefix(generation);
  out.append(key.data(), key.size());
  return out;
}

// Deletes every key of `generation`.
rocksdb::Status DeleteGeneration(const RocksDbHandle::Use& use,
                                 rocksdb::WriteBatch* batch,
                                 uint64_t generation) {
  return batch->DeleteRange(use.cf(layout::kViews),
                            layout::ViewDataPrefix(generation),
                            layout::ViewDataPrefix(generation + 1));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbViewStore>> RocksDbViewStore::Load(
    const RocksDbHandle* handle) {
  std::unique_ptr<RocksDbViewStore> store(new RocksDbViewStore(handle));
  absl::Status status = store->Reload();
  if (!status.ok()) return status;
  return store;
}

absl::Status RocksDbViewStore::Reload() {
  absl::MutexLock lock(&mu_);
  return ReloadLocked();
}

absl::Status RocksDbViewStore::ReloadAfter(
    const std::function<absl::Status()>& reopen) {
  absl::MutexLock lock(&mu_);
  // Until the names are read again, none is known: a write must not create
  // a view over a generation number that may already be in use.
  views_.clear();
  loaded_ = false;
  absl::Status reopened = reopen();
  if (!reopened.ok()) return reopened;
  return ReloadLocked();
}

absl::Status RocksDbViewStore::ReloadLocked() {
  // Built aside and installed only once complete.
  absl::flat_hash_map<std::string, layout::ViewRef> views;
  uint64_t last_generation = 0;
  RocksDbHandle::Use use(handle_);
  RETURN_IF_ERROR(use.CheckOpen());
  std::string value;
  rocksdb::Status got =
      use.db()->Get(rocksdb::ReadOptions(), use.cf(layout::kViewMeta),
                    layout::kViewGenerationKey, &value);
  if (got.ok()) {
    bytes::Reader in(value);
    if (!in.U64(&last_generation)) {
      return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                       "view generation counter does not decode");
    }
  } else if (!got.IsNotFound()) {
    return FromRocksDb(got, "reading view generation");
  }
  std::unique_ptr<rocksdb::Iterator> it(
      use.db()->NewIterator(rocksdb::ReadOptions(), use.cf(layout::kViewMeta)));
  for (it->Seek(layout::kViewNamePrefix);
       it->Valid() && it->key().starts_with(layout::kViewNamePrefix);
       it->Next()) {
    absl::StatusOr<layout::ViewRef> ref =
        layout::DecodeViewRef(ToView(it->value()));
    if (!ref.ok()) return ref.status();
    views[ToView(it->key()).substr(1)] = *ref;
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing views"));
  views_ = std::move(views);
  last_generation_ = last_generation;
  loaded_ = true;
  return absl::OkStatus();
}

absl::Status RocksDbViewStore::CheckLoaded() const {
  if (loaded_) return absl::OkStatus();
  return handle_->RecoveringError("the view store");
}

absl::StatusOr<uint64_t> RocksDbViewStore::Checkpoint(
    absl::string_view view) const {
  absl::ReaderMutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckLoaded());
  auto it = views_.find(view);
  return it == views_.end() ? 0 : it->second.checkpoint;
}

absl::StatusOr<std::optional<std::string>> RocksDbViewStore::Get(
    absl::string_view view, absl::string_view key) const {
  absl::ReaderMutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckLoaded());
  auto it = views_.find(view);
  if (it == views_.end()) return std::optional<std::string>();
  RocksDbHandle::Use use(handle_);
  RETURN_IF_ERROR(use.CheckOpen());
  std::string value;
  rocksdb::Status got =
      use.db()->Get(rocksdb::ReadOptions(), use.cf(layout::kViews),
                    DataKey(it->second.generation, key), &value);
  if (got.IsNotFound()) return std::optional<std::string>();
  if (!got.ok()) return FromRocksDb(got, "reading a view");
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::vector<ViewEntry>> RocksDbViewStore::Scan(
    absl::string_view view, absl::string_view start, absl::string_view end,
    size_t limit) const {
  std::vector<ViewEntry> out;
  absl::ReaderMutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckLoaded());
  auto found = views_.find(view);
  if (found == views_.end() || limit == 0) return out;
  const uint64_t generation = found->second.generation;
  RocksDbHandle::Use use(handle_);
  RETURN_IF_ERROR(use.CheckOpen());
  const std::string prefix = layout::ViewDataPrefix(generation);
  const std::string upper = end.empty() ? layout::ViewDataPrefix(generation + 1)
                                        : DataKey(generation, end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      use.db()->NewIterator(read, use.cf(layout::kViews)));
  for (it->Seek(DataKey(generation, start)); it->Valid() && out.size() < limit;
       it->Next()) {
    out.push_back(
        ViewEntry{std::string(ToView(it->key()).substr(prefix.size())),
                  it->value().ToString()});
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "scanning a view"));
  return out;
}

absl::Status RocksDbViewStore::Write(absl::string_view view,
                                     uint64_t expected_checkpoint,
                                     const ViewWrite& write) {
  RETURN_IF_ERROR(CheckName(view));
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckLoaded());
  auto found = views_.find(view);
  const uint64_t current = found == views_.end() ? 0 : found->second.checkpoint;
  if (current != expected_checkpoint) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, reason::kViewCheckpointMismatch,
        absl::StrCat("view \"", view, "\" is at checkpoint ", current,
                     ", the write expected ", expected_checkpoint),
        {{meta::kView, std::string(view)},
         {meta::kPosition, absl::StrCat(current)}});
  }
  RocksDbHandle::Use use(handle_);
  RETURN_IF_ERROR(use.CheckOpen());
  rocksdb::WriteBatch batch;
  layout::ViewRef ref;
  uint64_t last_generation = last_generation_;
  if (found == views_.end()) {
    ref.generation = ++last_generation;
    batch.Put(use.cf(layout::kViewMeta), layout::kViewGenerationKey,
              bytes::U64Key(last_generation));
  } else {
    ref.generation = found->second.generation;
  }
  ref.checkpoint = write.checkpoint;
  // The generation's prefix and each key as two parts: no key is copied to
  // be written.
  const std::string prefix = layout::ViewDataPrefix(ref.generation);
  auto data_key = [&prefix](const std::string& key, rocksdb::Slice parts[2]) {
    parts[0] = ToSlice(prefix);
    parts[1] = ToSlice(key);
    return rocksdb::SliceParts(parts, 2);
  };
  rocksdb::Slice key_parts[2];
  for (const std::string& key : write.deletes) {
    batch.Delete(use.cf(layout::kViews), data_key(key, key_parts));
  }
  for (const auto& [key, value] : write.puts) {
    const rocksdb::Slice value_slice = ToSlice(value);
    batch.Put(use.cf(layout::kViews), data_key(key, key_parts),
              rocksdb::SliceParts(&value_slice, 1));
  }
  batch.Put(use.cf(layout::kViewMeta), layout::ViewNameKey(view),
            layout::EncodeViewRef(ref));
  // Not synced: a view is derived state; its projection catches up from the
  // checkpoint that committed with it.
  rocksdb::Status status = use.db()->Write(rocksdb::WriteOptions(), &batch);
  if (!status.ok()) return FromRocksDbWrite(status, "writing a view");
  last_generation_ = last_generation;
  views_[view] = ref;
  return absl::OkStatus();
}

absl::Status RocksDbViewStore::Swap(absl::string_view live,
                                    absl::string_view replacement) {
  RETURN_IF_ERROR(CheckName(live));
  if (live == replacement) {
    return MakeError(absl::StatusCode::kInvalidArgument, "INVALID_VIEW_NAME",
                     "a view cannot replace itself",
                     {{meta::kView, std::string(live)}});
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckLoaded());
  auto repl = views_.find(replacement);
  if (repl == views_.end()) {
    return MakeError(absl::StatusCode::kNotFound, reason::kViewNotFound,
                     absl::StrCat("no view \"", replacement, "\" to swap in"),
                     {{meta::kView, std::string(replacement)}});
  }
  RocksDbHandle::Use use(handle_);
  RETURN_IF_ERROR(use.CheckOpen());
  rocksdb::WriteBatch batch;
  auto old = views_.find(live);
  if (old != views_.end()) {
    rocksdb::Status deleted =
        DeleteGeneration(use, &batch, old->second.generation);
    if (!deleted.ok()) return FromRocksDb(deleted, "swapping a view");
  }
  const layout::ViewRef ref = repl->second;
  batch.Put(use.cf(layout::kViewMeta), layout::ViewNameKey(live),
            layout::EncodeViewRef(ref));
  batch.Delete(use.cf(layout::kViewMeta), layout::ViewNameKey(replacement));
  // Synced: a swap is rare and must not come undone behind a projection
  // that already reported the rebuilt figures.
  rocksdb::WriteOptions options;
  options.sync = true;
  rocksdb::Status status = use.db()->Write(options, &batch);
  if (!status.ok()) return FromRocksDbWrite(status, "swapping a view");
  views_.erase(replacement);
  views_[live] = ref;
  return absl::OkStatus();
}

absl::Status RocksDbViewStore::Drop(absl::string_view view) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckLoaded());
  auto found = views_.find(view);
  if (found == views_.end()) return absl::OkStatus();
  RocksDbHandle::Use use(handle_);
  RETURN_IF_ERROR(use.CheckOpen());
  rocksdb::WriteBatch batch;
  rocksdb::Status deleted =
      DeleteGeneration(use, &batch, found->second.generation);
  if (!deleted.ok()) return FromRocksDb(deleted, "dropping a view");
  batch.Delete(use.cf(layout::kViewMeta), layout::ViewNameKey(view));
  rocksdb::Status status = use.db()->Write(rocksdb::WriteOptions(), &batch);
  if (!status.ok()) return FromRocksDbWrite(status, "dropping a view");
  views_.erase(found);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ViewInfo>> RocksDbViewStore::List() const {
  std::vector<ViewInfo> out;
  {
    absl::ReaderMutexLock lock(&mu_);
    RETURN_IF_ERROR(CheckLoaded());
    for (const auto& [name, ref] : views_) {
      out.push_back(ViewInfo{name, ref.checkpoint});
    }
  }
  std::sort(out.begin(), out.end(), [](const ViewInfo& a, const ViewInfo& b) {
    return a.name < b.name;
  });
  return out;
}

}  // namespace relog
