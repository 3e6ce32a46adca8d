#include "proxy/head_fields.hpp"

#include <array>
#include <new>
#include <utility>

namespace faultline::proxy {

namespace {

constexpr std::array<std::size_t, 4> kBlockSizes = {64, 128, 256, 512};
constexpr std::size_t kKeptPerSize = 256;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so it stays valid until the thread is gone: a block given back
// after the thread's Reaper ran (a static object's fields) goes straight to the heap.
struct BlockCache {
  std::array<FreeBlock*, kBlockSizes.size()> free{};
  std::array<std::size_t, kBlockSizes.size()> count{};
  bool closed = false;
};
thread_local BlockCache cache;

// Frees what the thread kept when it ends (LeakSanitizer would report it otherwise).
struct Reaper {
  ~Reaper() {
    cache.closed = true;
    for (FreeBlock*& head : cache.free) {
      while (head != nullptr) ::operator delete(std::exchange(head, head->next));
    }
  }
};

// The thread's Reaper exists once the thread keeps a block.
void arm_reaper() {
  thread_local Reaper reaper;
}

int size_class(std::size_t bytes) {
  for (std::size_t i = 0; i < kBlockSizes.size(); ++i) {
    if (bytes <= kBlockSizes[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

void* take_block(std::size_t bytes) {
  const int size = size_class(bytes);
  if (size < 0 || cache.closed) return ::operator new(bytes);
  if (FreeBlock* block = cache.free[size]) {
    cache.free[size] = block->next;
    --cache.count[size];
    return block;
  }
  return ::operator new(kBlockSizes[size]);
}

void give_block(void* block, std::size_t bytes) noexcept {
  const int size = size_class(bytes);
  if (size < 0 || cache.closed || cache.count[size] == kKeptPerSize) {
    ::operator delete(block);
    return;
  }
  arm_reaper();
  auto* free = static_cast<FreeBlock*>(block);
  free->next = cache.free[size];
  cache.free[size] = free;
  ++cache.count[size];
}

}  // namespace faultline::proxy
