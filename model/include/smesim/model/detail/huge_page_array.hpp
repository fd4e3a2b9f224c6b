// An array for random access across the whole population: 2 MiB-aligned and, on Linux, backed by
// transparent huge pages, so that reads at random firms do not also miss the TLB (with 4 KiB
// pages, 20 MB of records need 5 000 TLB entries; hardware prefetches that miss it are dropped).
#pragma once

#include <cstdlib>
#include <memory>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace smesim::model::detail {

template <class T>
class HugePageArray {
 public:
  void resize(std::size_t n) {  // contents are not kept
    if (n > capacity_) {
      constexpr std::size_t kHuge = std::size_t(1) << 21;
      const std::size_t bytes = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
      auto* p = static_cast<T*>(std::aligned_alloc(kHuge, bytes));
      if (!p) throw std::bad_alloc();  // the array is left as it was
#if defined(MADV_HUGEPAGE)
      ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
      p_.reset(p);
      capacity_ = bytes / sizeof(T);
    }
    n_ = n;
  }
  T* data() { return p_.get(); }
  const T* data() const { return p_.get(); }
  std::size_t size() const { return n_; }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T[], Free> p_;
  std::size_t n_ = 0, capacity_ = 0;
};

}  // namespace smesim::model::detail
