// deploy/: the systemd units as `cmake --install` puts them, checked by
// systemd's own verifier (docs/operations.md).
#include <doctest/doctest.h>

#include "harness.h"

using harness::TempDir;

namespace {

namespace fs = std::filesystem;

// systemd-analyze verify needs systemd's unit loader, not a running systemd:
// it works in a container; absent, the test says so and checks nothing.
bool systemd_analyze_runs() {
  if (!fs::exists("/usr/bin/systemd-analyze")) return false;
  return harness::run({"/usr/bin/systemd-analyze", "--version"}).exit_code == 0;
}

harness::RunResult verify(const std::vector<std::string>& units) {
  std::vector<std::string> args = {"/usr/bin/systemd-analyze", "verify"};
  args.insert(args.end(), units.begin(), units.end());
  return harness::run(args);
}

}  // namespace

TEST_CASE("cmake --install puts the binaries where the systemd units expect, and they verify") {
  if (!systemd_analyze_runs()) {
    MESSAGE("skipped: systemd-analyze cannot run here");
    return;
  }
  TempDir prefix;
  auto install =
      harness::run({TRACUU_CMAKE, "--install", TRACUU_BINARY_DIR, "--prefix", prefix.path()});
  REQUIRE_MESSAGE(install.exit_code == 0, install.err);
  const std::string units = prefix.path("lib/systemd/system/");
  for (const char* binary : {"bin/tracuu-server", "bin/tracuu-index"})
    CHECK(access(prefix.path(binary).c_str(), X_OK) == 0);
  CHECK(fs::exists(prefix.path("lib/sysusers.d/tracuu.conf")));
  const std::string server = harness::slurp(units + "tracuu-server.service");
  CHECK(server.find("ExecStart=" + prefix.path("bin/tracuu-server") + " ") != std::string::npos);
  CHECK(server.find("/usr/local/") == std::string::npos);
  auto run = verify({units + "tracuu-server.service", units + "tracuu-reindex.service",
                     units + "tracuu-reindex.timer", units + "tracuu-replicate-server.service",
                     units + "tracuu-replicate.service"});
  CHECK_MESSAGE(run.exit_code == 0, run.err);
  CHECK_MESSAGE(run.err.empty(), run.err);  // warnings too: a misspelt directive is only a warning
}

TEST_CASE("the unit verifier catches a unit whose binary is missing or whose directive is wrong") {
  if (!systemd_analyze_runs()) {
    MESSAGE("skipped: systemd-analyze cannot run here");
    return;
  }
  TempDir dir;
  std::string unit = harness::slurp(harness::source_path("deploy/systemd/tracuu-server.service"));
  const std::string missing = dir.write(
      "tracuu-server.service", std::string(unit).replace(unit.find("/usr/local/bin/tracuu-server"),
                                                         28, dir.path("no-such-binary")));
  auto run = verify({missing});
  CHECK(run.exit_code != 0);
  fs::remove(missing);
  const std::string misspelt =
      dir.write("tracuu-server.service",
                std::string(unit).replace(unit.find("NoNewPrivileges"), 15, "NoNewPrivilege"));
  CHECK_FALSE(verify({misspelt}).err.empty());
}

TEST_CASE("the reindex unit counts exit status 2 as success and the timer starts it nightly") {
  const std::string service =
      harness::slurp(harness::source_path("deploy/systemd/tracuu-reindex.service"));
  const std::string timer =
      harness::slurp(harness::source_path("deploy/systemd/tracuu-reindex.timer"));
  CHECK(service.find("\nSuccessExitStatus=2\n") != std::string::npos);
  CHECK(service.find("\nType=oneshot\n") != std::string::npos);
  CHECK(timer.find("\nOnCalendar=*-*-* 02:30:00\n") != std::string::npos);
  const std::string server =
      harness::slurp(harness::source_path("deploy/systemd/tracuu-server.service"));
  for (const char* hardening :
       {"\nProtectSystem=strict\n", "\nNoNewPrivileges=yes\n", "\nPrivateTmp=yes\n",
        "\nDynamicUser=yes\n", "\nReadOnlyPaths=/var/lib/tracuu\n", "\nRestart=on-failure\n",
        "\nExecReload=/bin/kill -HUP $MAINPID\n"})
    CHECK_MESSAGE(server.find(hardening) != std::string::npos, hardening);
}
