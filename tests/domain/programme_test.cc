// Given events / when command / then events or error, for the programme.
#include "domain/programme.h"

#include <gtest/gtest.h>

#include "tests/domain/fixtures.h"

namespace synergy::testing {
namespace {

Result<std::vector<Event>> When(const ProgrammeState& s, ProgrammeCommand c) {
  return Decide(s, c);
}

TEST(LaunchProgramme, AcceptedOnce) {
  ExpectEvents(When({}, LaunchProgramme{Launched(), kToday}), {Launched()});
  ExpectError(When(Ziri(), LaunchProgramme{Launched(), kToday}), ErrorCode::kDuplicate, "id");
}

TEST(LaunchProgramme, ValidatesEveryField) {
  auto with = [](auto change) {
    ProgrammeLaunched e = Launched();
    change(e);
    return When({}, LaunchProgramme{e, kToday});
  };
  ExpectError(with([](auto& e) { e.id = "Ziri"; }), ErrorCode::kValidation, "id");
  ExpectError(with([](auto& e) { e.name = ""; }), ErrorCode::kValidation, "name");
  ExpectError(with([](auto& e) { e.region = ""; }), ErrorCode::kValidation, "region");
  ExpectError(with([](auto& e) { e.department = ""; }), ErrorCode::kValidation, "department");
  ExpectError(with([](auto& e) { e.facilitator_org = ""; }), ErrorCode::kValidation,
              "facilitator_org");
  ExpectError(with([](auto& e) { e.started_on = D("2024-06-17"); }), ErrorCode::kValidation,
              "started_on");
  // Tomorrow is still accepted (time zones).
  ExpectEvents(with([](auto& e) { e.started_on = D("2024-06-16"); }),
               {[] { auto e = Launched(); e.started_on = D("2024-06-16"); return e; }()});
}

TEST(LaunchProgramme, NamesEveryInvalidField) {
  ProgrammeLaunched e = Launched();
  e.id = "Ziri";
  e.region = "";
  e.started_on = D("2030-01-01");
  ExpectErrors(When({}, LaunchProgramme{e, kToday}), ErrorCode::kValidation,
               {"id", "region", "started_on"});
}

TEST(LaunchProgramme, InvalidValuesWinOverDuplicate) {
  ProgrammeLaunched e = Launched();
  e.name = "";
  ExpectError(When(Ziri(), LaunchProgramme{e, kToday}), ErrorCode::kValidation, "name");
}

TEST(EnrolCompany, AcceptsValidCompanies) {
  CompanyEnrolled e{"dupont", "Dupont SA", std::string("73282932000074"), std::string("10.71C"),
                    std::int64_t{12}};
  ExpectEvents(When(Ziri(), EnrolCompany{e}), {e});
}

TEST(EnrolCompany, Refusals) {
  ExpectError(When({}, EnrolCompany{Enrolled("x")}), ErrorCode::kNotFound, "");
  ExpectError(When(Ziri(), EnrolCompany{Enrolled("acme")}), ErrorCode::kDuplicate, "id");
  auto with = [](auto change) {
    CompanyEnrolled e = Enrolled("new");
    change(e);
    return When(Ziri(), EnrolCompany{e});
  };
  ExpectError(with([](auto& e) { e.id = "a b"; }), ErrorCode::kValidation, "id");
  ExpectError(with([](auto& e) { e.name = ""; }), ErrorCode::kValidation, "name");
  ExpectError(with([](auto& e) { e.siret = "73282932000075"; }), ErrorCode::kValidation, "siret");
  ExpectError(with([](auto& e) { e.nace = "1071"; }), ErrorCode::kValidation, "nace");
  ExpectError(with([](auto& e) { e.employees = -1; }), ErrorCode::kValidation, "employees");
  ExpectErrors(with([](auto& e) {
                 e.name = "";
                 e.nace = "1071";
                 e.employees = -1;
               }),
               ErrorCode::kValidation, {"name", "nace", "employees"});
}

TEST(WithdrawCompany, OnceOnly) {
  CompanyWithdrew w{"acme", D("2024-01-10"), "moved away"};
  ExpectEvents(When(Ziri(), WithdrawCompany{w, kToday}), {w});
  ExpectError(When(Given(Ziri(), {w}), WithdrawCompany{w, kToday}),
              ErrorCode::kInvalidTransition, "");
}

TEST(WithdrawCompany, Refusals) {
  CompanyWithdrew w{"nobody", D("2024-01-10"), "moved away"};
  ExpectError(When(Ziri(), WithdrawCompany{w, kToday}), ErrorCode::kNotFound, "");
  w.company_id = "acme";
  ExpectError(When({}, WithdrawCompany{w, kToday}), ErrorCode::kNotFound, "");
  w.reason = "";
  ExpectError(When(Ziri(), WithdrawCompany{w, kToday}), ErrorCode::kValidation, "reason");
  w.reason = "r";
  w.occurred_on = D("2024-06-30");
  ExpectError(When(Ziri(), WithdrawCompany{w, kToday}), ErrorCode::kValidation, "occurred_on");
}

TEST(RecordDiagnostic, CountsAndRefusals) {
  DiagnosticRecorded d{"acme", D("2018-02-01"), {Resource::kWaste, Resource::kEnergy}};
  ExpectEvents(When(Ziri(), RecordDiagnostic{d, kToday}), {d});
  EXPECT_EQ(Given(Ziri(), {d, d}).diagnostics, 2u);

  auto with = [&](auto change, ProgrammeState s = Ziri()) {
    DiagnosticRecorded e = d;
    change(e);
    return When(s, RecordDiagnostic{e, kToday});
  };
  ExpectError(with([](auto&) {}, ProgrammeState{}), ErrorCode::kNotFound, "");
  ExpectError(with([](auto& e) { e.resources.clear(); }), ErrorCode::kValidation, "resources");
  ExpectError(with([](auto& e) { e.resources.push_back(Resource::kWaste); }),
              ErrorCode::kValidation, "resources.2");
  ExpectError(with([](auto& e) { e.performed_on = D("2025-01-01"); }), ErrorCode::kValidation,
              "performed_on");
  ExpectError(with([](auto& e) { e.company_id = "ghost"; }), ErrorCode::kValidation,
              "company_id");
  ExpectErrors(with([](auto& e) {
                 e.performed_on = D("2025-01-01");
                 e.resources = {Resource::kWaste, Resource::kWaste, Resource::kWaste};
               }),
               ErrorCode::kValidation, {"performed_on", "resources.1", "resources.2"});
  CompanyWithdrew w{"acme", D("2024-01-10"), "gone"};
  ExpectError(with([](auto&) {}, Given(Ziri(), {w})), ErrorCode::kValidation, "company_id");
}

TEST(ProgrammeEvolve, FoldsFacts) {
  ProgrammeState s = Given(Ziri(), {CompanyWithdrew{"bois", D("2024-01-10"), "gone"}});
  EXPECT_EQ(s.version, 5u);
  EXPECT_EQ(s.companies.size(), 3u);
  EXPECT_NE(s.ActiveCompany("acme"), nullptr);
  EXPECT_EQ(s.ActiveCompany("bois"), nullptr);
  EXPECT_EQ(s.companies.at("bois").withdrawn_on, D("2024-01-10"));
  // A synergy's event is not the programme's.
  EXPECT_EQ(Evolve(s, Identified()), s);
  EXPECT_EQ(ProgrammeStream("ziri"), "programme-ziri");
}

}  // namespace
}  // namespace synergy::testing
