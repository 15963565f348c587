// Builders of valid events and commands for the decider tests: each test
// changes only what it is about.
#ifndef SYNERGY_TESTS_DOMAIN_FIXTURES_H_
#define SYNERGY_TESTS_DOMAIN_FIXTURES_H_

#include <gtest/gtest.h>

#include <initializer_list>

#include "domain/programme.h"
#include "domain/synergy.h"

namespace synergy::testing {

inline Date D(const char* text) { return Date::Parse(text).value(); }

inline const Date kToday = D("2024-06-15");

inline ProgrammeLaunched Launched(std::string id = "ziri") {
  return ProgrammeLaunched{id, "ZIRI", "Nouvelle-Aquitaine", "33", "Ecoparc",
                           "Bordeaux Technowest", D("2016-01-01")};
}

inline CompanyEnrolled Enrolled(std::string id) {
  return CompanyEnrolled{id, "Company " + id, std::nullopt, std::nullopt, std::nullopt};
}

inline SynergyIdentified Identified(std::string id = "s1") {
  return SynergyIdentified{id,
                           "ziri",
                           "Pallets to the joinery",
                           SynergyKind::kSubstitution,
                           Resource::kWaste,
                           {{"acme", ParticipantRole::kProvider},
                            {"bois", ParticipantRole::kReceiver}},
                           std::string("150103"),
                           std::nullopt,
                           D("2017-03-01")};
}

inline FeasibilityStudied Studied(Decision decision = Decision::kGo,
                                  const char* on = "2017-04-01") {
  FeasibilityStudied e{};
  e.occurred_on = D(on);
  e.decision = decision;
  e.estimated.savings_eur = 1000;
  e.estimated.tonnes_recovered = 12;
  return e;
}

inline SynergyOperational Operational(const char* on = "2017-06-01") {
  return SynergyOperational{D(on), std::nullopt};
}

inline BenefitsMeasured Measured(std::string id, const char* from, const char* to) {
  BenefitsMeasured e{};
  e.id = id;
  e.period_from = D(from);
  e.period_to = D(to);
  e.values.savings_eur = 365;
  e.method = MeasurementMethod::kInvoiced;
  return e;
}

// The programme "ziri" with companies acme, bois and cafe enrolled.
inline ProgrammeState Ziri() {
  ProgrammeState s;
  for (const Event& e : std::initializer_list<Event>{
           Launched(), Enrolled("acme"), Enrolled("bois"), Enrolled("cafe")}) {
    s = Evolve(std::move(s), e);
  }
  return s;
}

template <typename State>
State Given(State state, std::initializer_list<Event> events) {
  for (const Event& e : events) state = Evolve(std::move(state), e);
  return state;
}

inline SynergyState GivenSynergy(std::initializer_list<Event> events) {
  return Given(SynergyState{}, events);
}

inline void ExpectError(const Result<std::vector<Event>>& result, ErrorCode code,
                        const std::string& field) {
  ASSERT_FALSE(result.ok()) << "expected " << ProblemType(code);
  EXPECT_EQ(ProblemType(result.error().code), ProblemType(code)) << result.error().message;
  EXPECT_EQ(result.error().field, field) << result.error().message;
}

// Every field an error names, its own first, then those of `more`.
inline std::vector<std::string> FieldsOf(const Error& e) {
  std::vector<std::string> fields{e.field};
  for (const FieldMessage& m : e.more) fields.push_back(m.field);
  return fields;
}

inline void ExpectErrors(const Result<std::vector<Event>>& result, ErrorCode code,
                         const std::vector<std::string>& fields) {
  ASSERT_FALSE(result.ok()) << "expected " << ProblemType(code);
  EXPECT_EQ(ProblemType(result.error().code), ProblemType(code)) << result.error().message;
  EXPECT_EQ(FieldsOf(result.error()), fields) << result.error().message;
}

inline void ExpectEvents(const Result<std::vector<Event>>& result,
                         const std::vector<Event>& expected) {
  ASSERT_TRUE(result.ok()) << result.error().message << " (" << result.error().field << ")";
  EXPECT_EQ(*result, expected);
}

}  // namespace synergy::testing

#endif  // SYNERGY_TESTS_DOMAIN_FIXTURES_H_
