// The load generator's scheduling, in the shape of wrk's event loop: which connection
// sends which request when (the open model's schedule, the closed model's users), the
// timeouts, and stopping. One request's exchange on its connection lives in
// connection_exchange.cpp. Timeouts are checked by one watchdog timer per worker rather
// than one timer per request.
#include <future>

#include <boost/asio/post.hpp>

#include "loadgen/load_worker_impl.hpp"

namespace faultline::loadgen {

namespace {

// A request picked up by a freed connection this long after it was due had to wait for
// a connection: it is counted as late.
constexpr auto kLateAfter = std::chrono::milliseconds(1);

}  // namespace

LoadWorker::Impl::Impl(WorkerSetup s)
    : setup(std::move(s)),
      plan(*setup.plan),
      open(plan.model == LoadModel::open),
      endpoint(asio::ip::make_address(setup.endpoint.address), setup.endpoint.port),
      dispatch_timer(io),
      watchdog(io),
      work(io.get_executor()),
      rng(0x9E3779B97F4A7C15ull ^ (plan.seed * 0x100000001B3ull + setup.index + 1)),
      recorder(*setup.live, setup.index) {
  if (rng == 0) rng = 1;
  connections.reserve(setup.connections);
  for (std::size_t i = 0; i < setup.connections; ++i)
    connections.push_back(std::make_unique<Connection>(io, i));
  if (open) {
    // LIFO: the most recently used (warm, connected) connection goes first, so a slow
    // rate uses few connections.
    for (auto it = connections.rbegin(); it != connections.rend(); ++it) idle.push_back(it->get());
    next_index = setup.first_request;
    end_index = setup.schedule->total();
  }
}

Clock::time_point LoadWorker::Impl::due(std::uint64_t index) const {
  return run_start + std::chrono::duration_cast<Clock::duration>(setup.schedule->due_time(index));
}

void LoadWorker::Impl::begin() {
  arm_watchdog();
  if (open)
    arm_dispatch_timer();
  else
    activate_users();
}

void LoadWorker::Impl::arm_dispatch_timer() {
  if (timer_armed || !sending || next_index >= end_index || idle.empty()) return;
  timer_armed = true;
  dispatch_timer.expires_at(due(next_index));
  dispatch_timer.async_wait([this](error_code ec) {
    timer_armed = false;
    if (ec) return;
    dispatch_due(Clock::now());
    arm_dispatch_timer();
  });
}

// Open model: sends every request that is due on the idle connections (with
// `everything_left`, every request before end_index, due or not yet).
void LoadWorker::Impl::dispatch_due(Clock::time_point now, bool everything_left) {
  while (sending && next_index < end_index && !idle.empty()) {
    const Clock::time_point when = due(next_index);
    if (when > now && !everything_left) break;
    Connection* c = idle.back();
    idle.pop_back();
    next_index += setup.request_stride;
    send(*c, when, now);
  }
}

void LoadWorker::Impl::activate_users() {
  const Clock::time_point now = Clock::now();
  for (auto& c : connections)
    if (c->slot < active_users && !c->busy && sending) send(*c, now, now);
}

// `now`: the caller's current time (the timeout counts from it).
void LoadWorker::Impl::send(Connection& c, Clock::time_point intended, Clock::time_point now) {
  c.busy = true;
  c.timed_out = false;
  c.retried = false;
  c.intended = intended;
  c.started = now;
  c.request = &setup.mix->pick(rng);
  ++inflight;
  recorder.inflight(+1);
  start_exchange(c);
}

// The connection is free: give it the next request, or park it.
void LoadWorker::Impl::release(Connection& c, Clock::time_point now) {
  c.busy = false;
  --inflight;
  recorder.inflight(-1);
  if (!sending) {
    if (inflight == 0) finish();
    return;
  }
  if (!open) {
    if (c.slot < active_users) send(c, now, now);
    return;
  }
  if (next_index < end_index) {
    const Clock::time_point when = due(next_index);
    if (when <= now) {
      // Due while every connection was busy: it is sent now, its latency still counted
      // from `when`.
      if (now - when > kLateAfter) recorder.late();
      next_index += setup.request_stride;
      return send(c, when, now);
    }
  }
  idle.push_back(&c);
  arm_dispatch_timer();
}

// ---- timeouts and shutdown ----

void LoadWorker::Impl::arm_watchdog() {
  const auto tick = std::clamp<Clock::duration>(plan.timeout / 8, std::chrono::milliseconds(1),
                                                std::chrono::milliseconds(100));
  watchdog.expires_after(tick);
  watchdog.async_wait([this](error_code ec) {
    if (ec || finished) return;
    const Clock::time_point now = Clock::now();
    for (auto& c : connections) {
      if (c->busy && !c->timed_out && now - c->started >= plan.timeout) {
        c->timed_out = true;
        close(*c);  // the pending operation completes with operation_aborted
      }
    }
    arm_watchdog();
  });
}

void LoadWorker::Impl::stop_sending(std::chrono::nanoseconds stop_at) {
  if (!sending) return;
  if (open) {
    // Whatever can still go out on a free connection goes; the rest is unsent.
    const std::uint64_t due_total = setup.schedule->due_before(stop_at);
    end_index = std::min(end_index, due_total);
    dispatch_due(Clock::now(), /*everything_left=*/true);
    if (next_index < end_index) {
      recorder.error(ErrorKind::unsent,
                     (end_index - next_index + setup.request_stride - 1) / setup.request_stride);
      next_index = end_index;
    }
  }
  sending = false;
  dispatch_timer.cancel();
  if (inflight == 0) finish();
}

void LoadWorker::Impl::finish() {
  if (finished) return;
  finished = true;
  watchdog.cancel();
  dispatch_timer.cancel();
  for (auto& c : connections) {
    if (c->tls) c->tls->close_notify();  // nothing is in flight: a clean end
    close(*c);
  }
  work.reset();
}

// ---- the coordinator's side ----

LoadWorker::LoadWorker(WorkerSetup setup) : impl_(std::make_unique<Impl>(std::move(setup))) {}

LoadWorker::~LoadWorker() {
  if (impl_->thread.joinable()) {
    asio::post(impl_->io,
               [impl = impl_.get()] { impl->stop_sending(std::chrono::nanoseconds(0)); });
    impl_->thread.join();
  }
}

void LoadWorker::start(Clock::time_point run_start) {
  impl_->run_start = run_start;
  asio::post(impl_->io, [impl = impl_.get()] { impl->begin(); });
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

void LoadWorker::set_users(unsigned users) {
  std::promise<void> done;
  asio::post(impl_->io, [impl = impl_.get(), users, &done] {
    impl->active_users = users;
    impl->activate_users();
    done.set_value();
  });
  done.get_future().wait();
}

PeriodStats LoadWorker::harvest() {
  if (!impl_->thread.joinable()) return impl_->recorder.harvest();
  std::promise<PeriodStats> result;
  asio::post(impl_->io,
             [impl = impl_.get(), &result] { result.set_value(impl->recorder.harvest()); });
  return result.get_future().get();
}

void LoadWorker::stop(std::chrono::nanoseconds stop_at) {
  asio::post(impl_->io, [impl = impl_.get(), stop_at] { impl->stop_sending(stop_at); });
}

void LoadWorker::join() {
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace faultline::loadgen
