// A block of zero-filled memory taken straight from the kernel (anonymous mmap), whose
// pages cost nothing until first written. A histogram is 181 KiB of counts, one per
// route per worker; real latencies touch a few of its octaves, so most of it is never
// backed by RAM. (`new T[n]()` or a std::vector would write every byte up front.)
#pragma once

#include <cstddef>

namespace faultline::metrics {

class ZeroedPages {
 public:
  explicit ZeroedPages(std::size_t bytes);  // throws std::bad_alloc
  ~ZeroedPages();
  ZeroedPages(ZeroedPages&& other) noexcept;
  ZeroedPages& operator=(ZeroedPages&& other) noexcept;
  ZeroedPages(const ZeroedPages&) = delete;
  ZeroedPages& operator=(const ZeroedPages&) = delete;

  void* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace faultline::metrics
