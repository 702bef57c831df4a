#include "clients/relogctl/admin_commands.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "relog/v1/admin.grpc.pb.h"
#include "storage/sha256.h"

namespace relog::ctl {
namespace {

int Backup(const Context& ctx, const std::string& dir) {
  auto stub = relog::v1::Admin::NewStub(ctx.channel);
  relog::v1::BackupRequest request;
  request.set_dir(dir);
  relog::v1::BackupResponse response;
  grpc::Status status = stub->Backup(NewCall(ctx).get(), request, &response);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(response);
    return kExitOk;
  }
  absl::PrintF("backup        %s\n", response.dir());
  absl::PrintF("position      %d\n", response.head().position());
  absl::PrintF("global hash   %s\n", ToHex(response.head().global_hash()));
  absl::PrintF("recorded at   %s\n",
               FormatTimestamp(response.head().recorded_at()));
  return kExitOk;
}

}  // namespace

int AdminCommand(const Context& ctx, const std::vector<std::string>& args) {
  if (args.size() == 2 && args[0] == "backup" && !args[1].empty() &&
      args[1][0] != '-') {
    // DIR is relogd's path: it is sent as given (relogd refuses a relative
    // one, which would name a folder relative to relogd's working folder).
    return Backup(ctx, args[1]);
  }
  return UsageError(absl::StrCat("unknown admin command \"",
                                 absl::StrJoin(args, " "),
                                 "\"; usage: relogctl admin backup DIR"));
}

}  // namespace relog::ctl
