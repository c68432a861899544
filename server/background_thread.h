// Internal to server/: a helper thread that never takes the process's
// signals.
#pragma once

#include <signal.h>

#include <thread>
#include <utility>

namespace tracuu {

// Starts `run` on a thread with every signal blocked. The event loop reads
// SIGHUP and SIGTERM from a signalfd; a thread started before it blocks
// them must not have them delivered instead (their default action ends the
// process). The thread inherits the mask set here.
template <typename F>
std::thread start_background_thread(F&& run) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  std::thread thread(std::forward<F>(run));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return thread;
}

}  // namespace tracuu
