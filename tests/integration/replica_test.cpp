// Read replicas the Xapian way (docs/operations.md#replicas): the nightly
// job writes the master with changesets on (XAPIAN_MAX_CHANGESETS),
// xapian-replicate-server serves it, xapian-replicate keeps a replica
// folder that tracuu-server reads. Incremental runs travel as changesets, a
// compacted rebuild (a new database) as a full copy switched in by the
// replica's stub; the server follows both without a restart.
#include <doctest/doctest.h>
#include <xapian.h>

#include "harness.h"

using harness::json;
using harness::RunResult;
using harness::Server;
using harness::TempDir;
using harness::url_encode;

namespace {

namespace fs = std::filesystem;

bool have_xapian_tools() {
  return fs::exists("/usr/bin/xapian-replicate") && fs::exists("/usr/bin/xapian-replicate-server");
}

RunResult index_master(const std::string& db, std::vector<std::string> args) {
  std::vector<std::string> cmd = {"/usr/bin/env", "XAPIAN_MAX_CHANGESETS=20",
                                  harness::binary("indexer/tracuu-index"), "--db", db};
  cmd.insert(cmd.end(), args.begin(), args.end());
  return harness::run(cmd);
}

// xapian-replicate-server over a master folder, on a free loopback port.
class ReplicationServer {
 public:
  explicit ReplicationServer(const std::string& master_parent) : port_(harness::free_port()) {
    pid_ = harness::spawn({"/usr/bin/xapian-replicate-server", "-I", "127.0.0.1", "-p",
                           std::to_string(port_), master_parent},
                          logs_.path("out"), logs_.path("err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ~ReplicationServer() {
    kill(pid_, SIGKILL);  // it writes nothing; SIGTERM does not stop it while it serves
    harness::wait_exit(pid_);
  }
  // One pass of xapian-replicate: the replica catches up with the master.
  RunResult follow(const std::string& name, const std::string& replica) const {
    return harness::run({"/usr/bin/xapian-replicate", "-h", "127.0.0.1", "-p",
                         std::to_string(port_), "-m", name, "-r", "0", "-o", replica});
  }

 private:
  TempDir logs_;
  int port_;
  pid_t pid_;
};

int total(const Server& server, const std::string& q) {
  auto [status, body] = server.get("/search?q=" + url_encode(q));
  REQUIRE(status == 200);
  return body["total"].get<int>();
}

// Waits (bounded) until the server's total for q is `expected`.
bool sees(const Server& server, const std::string& q, int expected) {
  for (int i = 0; i < 100; ++i) {
    if (total(server, q) == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string replica_generation(const std::string& replica) {
  std::string stub = harness::slurp(replica + "/XAPIANDB");
  auto at = stub.find("auto ");
  return at == std::string::npos ? "" : stub.substr(at + 5, stub.find('\n', at) - at - 5);
}

}  // namespace

TEST_CASE("a replica follows the master's commits and rebuilds; its server sees each, no restart") {
  if (!have_xapian_tools()) {
    MESSAGE("skipped: xapian-tools is not installed (scripts/install-deps.sh)");
    return;
  }
  TempDir dir;
  const std::string master = dir.path("master/db"), replica = dir.path("replica");
  REQUIRE(index_master(master, {harness::source_path("corpus")}).exit_code == 0);
  ReplicationServer replication(dir.path("master"));
  RunResult first = replication.follow("db", replica);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  Server server(replica);
  const int corpus_total = total(server, "binh tan");
  REQUIRE(corpus_total > 0);
  const std::string copied = replica_generation(replica);
  CHECK(copied.rfind("replica_", 0) == 0);

  // An incremental run: a changeset, applied to the replica's live copy.
  const std::string news = dir.write(
      "news.jsonl", harness::record("new-1", "Khánh thành cầu Zyxvuong ở Bình Tân", "Cầu mới."));
  REQUIRE(index_master(master, {news}).exit_code == 0);
  REQUIRE(total(server, "zyxvuong") == 0);
  RunResult changes = replication.follow("db", replica);
  REQUIRE_MESSAGE(changes.exit_code == 0, changes.err);
  CHECK(sees(server, "zyxvuong", 1));
  CHECK(sees(server, "binh tan", corpus_total + 1));
  CHECK(replica_generation(replica) == copied);  // changesets: the same copy, updated

  // A rebuild: a new compacted database on the master, a full copy on the
  // replica, switched in by its stub.
  const std::string rebuilt = dir.write(
      "rebuilt.jsonl", harness::record("new-2", "Cầu Qwertuong thông xe", "Cầu mới nữa."));
  REQUIRE(index_master(master, {"--rebuild", harness::source_path("corpus"), rebuilt}).exit_code ==
          0);
  RunResult full = replication.follow("db", replica);
  REQUIRE_MESSAGE(full.exit_code == 0, full.err);
  CHECK(replica_generation(replica) != copied);
  CHECK(sees(server, "qwertuong", 1));
  CHECK(sees(server, "zyxvuong", 0));
  CHECK(server.log().find("503") == std::string::npos);
  CHECK(Xapian::Database(replica).get_doccount() == Xapian::Database(master).get_doccount());
}
