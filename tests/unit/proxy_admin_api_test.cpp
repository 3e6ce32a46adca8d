// The admin endpoints a load balancer and an operator call.
#include "proxy/admin_api.hpp"

#include "proxy/admin_control.hpp"

#include "metrics/proxy_metrics.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace faultline::proxy {
namespace {

http::Response call(const AdminApi& api, std::string method, std::string target) {
  return api.handle(http::Request{std::move(method), std::move(target), "", ""});
}

// The probes and the metrics endpoints never look at the fault controls.
class NoControl final : public AdminControl {
 public:
  FaultState fault_state() const override {
    return FaultState{std::make_shared<const config::Config>(), "none", true};
  }
  bool switch_profile(std::string_view) override { return false; }
  void set_faults_enabled(bool) override {}
  ReloadOutcome reload(std::string_view) override { return {}; }
};

NoControl no_control;

TEST(AdminApi, HealthzAnswersOkAsPlainText) {
  const metrics::ProxyMetrics metrics;
  const AdminApi api(metrics, no_control);
  auto response = call(api, "GET", "/healthz");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "ok\n");
  EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
}

TEST(AdminApi, HealthzStaysOkWhileDraining) {
  // Liveness is not readiness: a draining proxy must not be restarted.
  const metrics::ProxyMetrics metrics;
  AdminApi api(metrics, no_control);
  api.set_ready(false);
  auto response = call(api, "GET", "/healthz");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "ok\n");
}

TEST(AdminApi, ReadyzIsReadyUntilTheDrainStartsThenAnswers503) {
  const metrics::ProxyMetrics metrics;
  AdminApi api(metrics, no_control);
  EXPECT_TRUE(api.ready());
  auto before = call(api, "GET", "/readyz");
  EXPECT_EQ(before.status, 200u);
  EXPECT_EQ(before.body, "ready\n");

  api.set_ready(false);
  EXPECT_FALSE(api.ready());
  auto draining = call(api, "GET", "/readyz");
  EXPECT_EQ(draining.status, 503u);
  EXPECT_EQ(draining.body, "draining\n");
  EXPECT_EQ(draining.content_type, "text/plain; charset=utf-8");

  api.set_ready(true);
  EXPECT_EQ(call(api, "GET", "/readyz").status, 200u);
}

TEST(AdminApi, QueryStringIsIgnored) {
  const metrics::ProxyMetrics metrics;
  AdminApi api(metrics, no_control);
  EXPECT_EQ(call(api, "GET", "/healthz?probe=k8s").status, 200u);
  EXPECT_EQ(call(api, "GET", "/healthz?").body, "ok\n");
  api.set_ready(false);
  EXPECT_EQ(call(api, "GET", "/readyz?verbose=1").status, 503u);
}

TEST(AdminApi, HeadIsAllowedLikeGet) {
  const metrics::ProxyMetrics metrics;
  const AdminApi api(metrics, no_control);
  EXPECT_EQ(call(api, "HEAD", "/healthz").status, 200u);
  EXPECT_EQ(call(api, "HEAD", "/readyz").status, 200u);
}

TEST(AdminApi, MutatingMethodsOnProbesAre405WithAJsonError) {
  const metrics::ProxyMetrics metrics;
  const AdminApi api(metrics, no_control);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    for (const char* target : {"/healthz", "/readyz"}) {
      auto response = call(api, method, target);
      EXPECT_EQ(response.status, 405u) << method << " " << target;
      EXPECT_EQ(response.content_type, "application/json") << method << " " << target;
      EXPECT_EQ(boost::json::parse(response.body).at("error").as_string(),
                "method not allowed; use GET, HEAD");
      EXPECT_EQ(response.allow, "GET, HEAD") << "RFC 9110 §15.5.6: a 405 names what is allowed";
    }
  }
}

TEST(AdminApi, MethodNamesAreCaseSensitive) {
  // RFC 9110 §9.1: "get" is not GET.
  const metrics::ProxyMetrics metrics;
  const AdminApi api(metrics, no_control);
  EXPECT_EQ(call(api, "get", "/healthz").status, 405u);
}

TEST(AdminApi, UnknownPathIs404WithAJsonError) {
  const metrics::ProxyMetrics metrics;
  const AdminApi api(metrics, no_control);
  for (const char* target : {"/nope", "/healthz/", "/HEALTHZ", "/readyz/x", ""}) {
    auto response = call(api, "GET", target);
    EXPECT_EQ(response.status, 404u) << target;
    EXPECT_EQ(response.content_type, "application/json") << target;
    const boost::json::value body = boost::json::parse(response.body);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body.at("error").as_string(), "no admin endpoint at this path");
  }
}

TEST(AdminApi, UnknownPathIs404WhateverTheMethod) {
  const metrics::ProxyMetrics metrics;
  const AdminApi api(metrics, no_control);
  EXPECT_EQ(call(api, "POST", "/nope").status, 404u);
}

}  // namespace
}  // namespace faultline::proxy
