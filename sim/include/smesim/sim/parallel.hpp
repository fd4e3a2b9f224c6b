// The project's parallel loops and background tasks: TBB's, except in a ThreadSanitizer build.
//
// Debian's libtbb is not built with ThreadSanitizer, so TSan cannot see the synchronisation inside
// it (the hand-over of a loop's pieces to TBB's workers, work stealing, the wait at the end of a
// loop) and reports every loop as a race between the code of TBB's own headers and ours. A
// ThreadSanitizer build (__SANITIZE_THREAD__) therefore runs the same loops on std::threads that
// TSan sees (as many as TBB's global_control allows, `--threads`), each taking the next index from
// a shared counter, and background tasks on threads of their own. Our code then runs concurrently
// exactly as under TBB (loop bodies in parallel, in any order), and TSan checks it; TBB itself is
// trusted. Results do not depend on the executor (docs/model.md, section 8.2).
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_for_each.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace smesim::sim {

#if defined(__SANITIZE_THREAD__)
namespace detail {
// Runs body(first + k) for k in [0, n) on up to TBB's allowed number of std::threads; the first
// exception thrown by a body is rethrown once all threads have ended.
template <class Body>
void fork_join(std::ptrdiff_t n, const Body& body) {
  const auto allowed = oneapi::tbb::global_control::active_value(
      oneapi::tbb::global_control::max_allowed_parallelism);
  const std::ptrdiff_t threads = std::min<std::ptrdiff_t>(n, std::ptrdiff_t(allowed));
  std::atomic<std::ptrdiff_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (std::ptrdiff_t k; (k = next.fetch_add(1)) < n;) body(k);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(n);
    }
  };
  std::vector<std::thread> helpers;
  for (std::ptrdiff_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  if (error) std::rethrow_exception(error);
}
}  // namespace detail
#endif

// oneapi::tbb::parallel_for(first, last, body): body(i) for i in [first, last).
template <class Index, class Body>
void parallel_for(Index first, Index last, const Body& body) {
#if defined(__SANITIZE_THREAD__)
  detail::fork_join(std::ptrdiff_t(last - first),
                    [&](std::ptrdiff_t k) { body(Index(first + k)); });
#else
  oneapi::tbb::parallel_for(first, last, body);
#endif
}

// oneapi::tbb::parallel_for_each(first, last, body): body(*it) for every element (random-access
// iterators).
template <class Iterator, class Body>
void parallel_for_each(Iterator first, Iterator last, const Body& body) {
#if defined(__SANITIZE_THREAD__)
  detail::fork_join(std::distance(first, last), [&](std::ptrdiff_t k) { body(*(first + k)); });
#else
  oneapi::tbb::parallel_for_each(first, last, body);
#endif
}

// oneapi::tbb::this_task_arena::enqueue(task): runs task() some time later on another thread,
// without waiting for it. Task must not capture anything that may be gone by then.
template <class Task>
void run_in_background(Task task) {
#if defined(__SANITIZE_THREAD__)
  std::thread(std::move(task)).detach();
#else
  oneapi::tbb::this_task_arena::enqueue(std::move(task));
#endif
}

}  // namespace smesim::sim
