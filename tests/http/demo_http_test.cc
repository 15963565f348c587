// The demo data set, imported with `synergyd import data/demo`, reproduces
// every figure of the seed's published-figures.md through /v1/kpis.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/http/server_process.h"

namespace synergy::testing {
namespace {

using nlohmann::json;

class DemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess([](const std::string& dir) {
      int status = -1;
      std::string out = RunSynergyd({"import", "--data-dir", dir, SYNERGY_DEMO_DIR}, &status);
      ASSERT_EQ(status, 0) << out;
    });
    // /readyz answers 503 while the read models fold the imported log.
    for (int i = 0; i < 300; ++i) {
      Connection c(server_->port());
      if (c.Request("GET", "/readyz").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "synergyd never became ready";
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Stop(), 0);
    delete server_;
  }

  static json Kpis(const std::string& query) {
    Connection c(server_->port());
    Reply r = c.Request("GET", "/v1/kpis?" + query,
                        {{"Authorization", "Bearer " + server_->admin_token()}});
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return r.status == 200 ? r.Json() : json::object();
  }
  static json Synergy(const std::string& sid) {
    Connection c(server_->port());
    Reply r = c.Request("GET", "/v1/synergies/" + sid,
                        {{"Authorization", "Bearer " + server_->admin_token()}});
    EXPECT_EQ(r.status, 200) << sid;
    return r.status == 200 ? r.Json() : json::object();
  }
  // The group of `report` keyed `key`.
  static json Group(const json& report, const std::string& key) {
    for (const json& g : report["groups"]) {
      if (g["key"] == key) return g;
    }
    ADD_FAILURE() << "no group " << key;
    return json::object();
  }

  static ServerProcess* server_;
};

ServerProcess* DemoTest::server_ = nullptr;

TEST_F(DemoTest, Ziri) {
  json totals = Kpis("programme=ziri")["totals"];
  EXPECT_EQ(totals["companies_enrolled"], 200);  // 200 companies
  // The group purchase of electricity: 27 companies, 50,000 EUR.
  json energy = Group(Kpis("programme=ziri&group_by=resource"), "energy");
  EXPECT_EQ(energy["measured"]["savings_eur"], 50000);
  EXPECT_EQ(energy["synergies"]["total"], 1);
  json purchase = Synergy("ziri-achat-electricite");
  EXPECT_EQ(purchase["kind"], "mutualisation");
  EXPECT_EQ(purchase["participants"].size(), 27u);
  for (const json& p : purchase["participants"]) EXPECT_EQ(p["role"], "member");
  // 2018: 98,000 EUR by 27 synergies (20 pooled actions, 7 group
  // purchases), and 36 diagnostics.
  json y2018 = Group(Kpis("programme=ziri&group_by=year"), "2018");
  EXPECT_EQ(y2018["measured"]["savings_eur"], 98000);
  EXPECT_EQ(y2018["diagnostics"], 36);
  json in2018 = Kpis("programme=ziri&from=2018-01-01&to=2018-12-31")["totals"];
  EXPECT_EQ(in2018["synergies"]["measured"], 27);
  EXPECT_EQ(Group(Kpis("programme=ziri&group_by=kind"), "mutualisation")["synergies"]["measured"], 27);
}

TEST_F(DemoTest, Biotop) {
  json totals = Kpis("programme=biotop")["totals"];
  EXPECT_EQ(totals["companies_enrolled"], 158);
  EXPECT_EQ(totals["synergies"]["total"], 72);  // 72 material flows
  EXPECT_EQ(totals["diagnostics"], 350);
  // 486,000 EUR saved since 2014, up to the page's date.
  EXPECT_EQ(Kpis("programme=biotop&from=2014-01-01&to=2023-12-31")["totals"]["measured"]["savings_eur"],
            486000);
  // Over 700 t recovered and 550 t CO2 avoided in every full year.
  json years = Kpis("programme=biotop&group_by=year");
  ASSERT_GE(years["groups"].size(), 8u);
  for (const json& g : years["groups"]) {
    if (g["measured"]["savings_eur"] == 0) continue;  // a year of diagnostics only
    EXPECT_GE(g["measured"]["tonnes_recovered"].get<double>(), 700) << g["key"];
    EXPECT_EQ(g["measured"]["co2e_avoided_t"], 550) << g["key"];
  }
  json melting_pot = Synergy("biotop-melting-pot");
  EXPECT_EQ(melting_pot["kind"], "substitution");
  EXPECT_EQ(melting_pot["resource"], "waste");
}

TEST_F(DemoTest, Piicto) {
  json year = Group(Kpis("programme=piicto&group_by=year"), "2022");
  EXPECT_EQ(year["measured"]["tonnes_recovered"], 35900);  // 35.9 kt a year
  EXPECT_EQ(year["measured"]["co2e_avoided_t"], 4800);
  json lime = Synergy("piicto-chaux");
  EXPECT_EQ(lime["kind"], "substitution");
  EXPECT_EQ(lime["resource"], "waste");
  EXPECT_EQ(lime["measurements"][1]["values"]["tonnes_recovered"], 16000);
  json resources = Kpis("programme=piicto&from=2022-01-01&to=2022-12-31&group_by=resource");
  json water = Group(resources, "water");
  EXPECT_EQ(water["measured"]["water_m3"], 3500);  // 3,500 m3 a year
  EXPECT_EQ(water["synergies"]["total"], 1);
  EXPECT_EQ(Synergy("piicto-eau-demineralisee")["participants"].size(), 2u);  // two industrials
  EXPECT_EQ(Group(resources, "raw_material")["synergies"]["total"], 1);  // hydrochloric acid
}

TEST_F(DemoTest, Gpsea) {
  json totals = Kpis("programme=gpsea")["totals"];
  EXPECT_EQ(totals["synergies"]["operational"].get<int>() + totals["synergies"]["measured"].get<int>(), 7);
  EXPECT_EQ(totals["measured"]["tonnes_recovered"], 35.5);
  EXPECT_EQ(totals["measured"]["co2e_avoided_t"], 5);
  EXPECT_EQ(totals["measured"]["water_m3"], 49);  // 49,000 litres
  EXPECT_EQ(totals["measured"]["savings_eur"], 31000);
  json parquet = Synergy("gpsea-parquet");
  EXPECT_EQ(parquet["kind"], "substitution");
  EXPECT_EQ(parquet["participants"][0]["role"], "provider");
  EXPECT_EQ(parquet["participants"][1]["role"], "receiver");
}

TEST_F(DemoTest, DrecherieAndCopo) {
  json brewsticks = Synergy("drecherie-brewsticks");
  EXPECT_EQ(brewsticks["kind"], "substitution");
  EXPECT_EQ(brewsticks["resource"], "waste");
  json copo = Group(Kpis("programme=copo&group_by=year"), "2022");
  EXPECT_EQ(copo["measured"]["tonnes_recovered"], 12);  // 1 t a month
  EXPECT_EQ(Synergy("copo-cartons-litiere")["resource"], "waste");
}

TEST_F(DemoTest, RegionsAddUpTheirProgrammes) {
  json regions = Kpis("group_by=region");
  json na = Group(regions, "Nouvelle-Aquitaine");
  EXPECT_EQ(na["measured"]["savings_eur"], 98000 + 486000);
  EXPECT_EQ(na["diagnostics"], 36 + 350);
  json csv_totals = Kpis("region=Nouvelle-Aquitaine")["totals"];
  EXPECT_EQ(csv_totals["companies_enrolled"], 200 + 158);
}

}  // namespace
}  // namespace synergy::testing
