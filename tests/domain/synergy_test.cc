// Given events / when command / then events or error, for the synergy.
#include "domain/synergy.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/domain/fixtures.h"

namespace synergy::testing {
namespace {

Result<std::vector<Event>> When(const SynergyState& s, SynergyCommand c,
                                const ProgrammeState& p = Ziri()) {
  return Decide(s, c, p);
}

SynergyState InIdentified() { return GivenSynergy({Identified()}); }
SynergyState InStudiedGo() { return GivenSynergy({Identified(), Studied()}); }
SynergyState InStudiedNoGo() { return GivenSynergy({Identified(), Studied(Decision::kNoGo)}); }
SynergyState InOperational() { return GivenSynergy({Identified(), Studied(), Operational()}); }
SynergyState InMeasured() {
  return GivenSynergy({Identified(), Studied(), Operational(),
                       Measured("m1", "2018-07-01", "2019-06-30")});
}
SynergyState InAbandoned() {
  return GivenSynergy({Identified(), SynergyAbandoned{D("2018-01-01"), ReasonCode::kEconomic,
                                                      std::nullopt}});
}

// ---- Identification -------------------------------------------------------

TEST(IdentifySynergy, AcceptsSubstitutionAndMutualisation) {
  ExpectEvents(When({}, IdentifySynergy{Identified(), kToday}), {Identified()});
  SynergyIdentified m = Identified("pool");
  m.kind = SynergyKind::kMutualisation;
  m.resource = Resource::kEnergy;
  m.ewc_code = std::nullopt;
  m.participants = {{"acme", ParticipantRole::kMember}, {"bois", ParticipantRole::kMember},
                    {"cafe", ParticipantRole::kMember}};
  ExpectEvents(When({}, IdentifySynergy{m, kToday}), {m});
}

TEST(IdentifySynergy, DuplicateId) {
  ExpectError(When(InIdentified(), IdentifySynergy{Identified(), kToday}),
              ErrorCode::kDuplicate, "id");
}

TEST(IdentifySynergy, UnknownProgrammeIsNotFound) {
  ExpectError(When({}, IdentifySynergy{Identified(), kToday}, ProgrammeState{}),
              ErrorCode::kNotFound, "");
  SynergyIdentified e = Identified();
  e.programme = "biotop";
  ExpectError(When({}, IdentifySynergy{e, kToday}), ErrorCode::kNotFound, "");
}

Result<std::vector<Event>> IdentifyWith(void (*change)(SynergyIdentified&),
                                        const ProgrammeState& p = Ziri(),
                                        const SynergyState& s = {}) {
  SynergyIdentified e = Identified();
  change(e);
  return When(s, IdentifySynergy{e, kToday}, p);
}

TEST(IdentifySynergy, ValuesInvalidWhateverTheState) {
  ExpectError(IdentifyWith([](auto& e) { e.id = "S1"; }), ErrorCode::kValidation, "id");
  ExpectError(IdentifyWith([](auto& e) { e.title = ""; }), ErrorCode::kValidation, "title");
  ExpectError(IdentifyWith([](auto& e) { e.ewc_code = "15010"; }), ErrorCode::kValidation,
              "ewc_code");
  ExpectError(IdentifyWith([](auto& e) { e.occurred_on = D("2024-06-17"); }),
              ErrorCode::kValidation, "occurred_on");
  // Roles by kind.
  ExpectError(IdentifyWith([](auto& e) { e.participants[1].role = ParticipantRole::kMember; }),
              ErrorCode::kValidation, "participants.1.role");
  ExpectError(IdentifyWith([](auto& e) { e.participants[1].role = ParticipantRole::kProvider; }),
              ErrorCode::kValidation, "participants");
  ExpectError(IdentifyWith([](auto& e) { e.participants.clear(); }), ErrorCode::kValidation,
              "participants");
  ExpectError(IdentifyWith([](auto& e) {
                e.kind = SynergyKind::kMutualisation;
                e.participants = {{"acme", ParticipantRole::kMember}};
              }),
              ErrorCode::kValidation, "participants");
  ExpectError(IdentifyWith([](auto& e) {
                e.kind = SynergyKind::kMutualisation;
                e.participants = {{"acme", ParticipantRole::kMember},
                                  {"bois", ParticipantRole::kReceiver}};
              }),
              ErrorCode::kValidation, "participants.1.role");
  // Once each.
  ExpectError(IdentifyWith([](auto& e) {
                e.participants.push_back({"acme", ParticipantRole::kReceiver});
              }),
              ErrorCode::kValidation, "participants.2.company_id");
  ExpectError(IdentifyWith([](auto& e) { e.participants[0].company_id = "Bad id"; }),
              ErrorCode::kValidation, "participants.0.company_id");
  // All at once: each is named, the shape of the participants included.
  ExpectErrors(IdentifyWith([](auto& e) {
                 e.title = "";
                 e.ewc_code = "15010";
                 e.participants[1].role = ParticipantRole::kMember;
                 e.occurred_on = D("2024-06-17");
               }),
               ErrorCode::kValidation,
               {"title", "ewc_code", "participants.1.role", "participants", "occurred_on"});
}

TEST(IdentifySynergy, ParticipantsMustBeEnrolledAndActive) {
  ExpectError(IdentifyWith([](auto& e) { e.participants[1].company_id = "ghost"; }),
              ErrorCode::kValidation, "participants.1.company_id");
  ProgrammeState withdrawn = Given(Ziri(), {CompanyWithdrew{"bois", D("2020-01-01"), "gone"}});
  ExpectError(IdentifyWith([](auto&) {}, withdrawn), ErrorCode::kValidation,
              "participants.1.company_id");
  ExpectErrors(IdentifyWith([](auto& e) { e.participants[0].company_id = "ghost"; }, withdrawn),
               ErrorCode::kValidation, {"participants.0.company_id", "participants.1.company_id"});
}

TEST(IdentifySynergy, PrecedenceValidationThenDuplicateThenStateConflict) {
  // Invalid whatever the state beats duplicate.
  ExpectError(IdentifyWith([](auto& e) { e.title = ""; }, Ziri(), InIdentified()),
              ErrorCode::kValidation, "title");
  // Duplicate beats a conflict with the programme's state.
  ExpectError(IdentifyWith([](auto& e) { e.participants[1].company_id = "ghost"; }, Ziri(),
                           InIdentified()),
              ErrorCode::kDuplicate, "id");
}

// ---- The lifecycle, every transition --------------------------------------

struct Stage_ {
  const char* name;
  SynergyState (*state)();
};
const Stage_ kStages[] = {{"identified", InIdentified},   {"studied-go", InStudiedGo},
                          {"studied-no-go", InStudiedNoGo}, {"operational", InOperational},
                          {"measured", InMeasured},         {"abandoned", InAbandoned}};

bool Accepted(const Result<std::vector<Event>>& r) { return r.ok(); }

TEST(Lifecycle, StudyAcceptedInIdentifiedAndStudiedOnly) {
  for (const Stage_& st : kStages) {
    auto r = When(st.state(), StudyFeasibility{Studied(), kToday});
    bool expected = std::string(st.name).starts_with("identified") ||
                    std::string(st.name).starts_with("studied");
    EXPECT_EQ(Accepted(r), expected) << st.name;
    if (!expected) ExpectError(r, ErrorCode::kInvalidTransition, "");
  }
}

TEST(Lifecycle, OperationRequiresLatestStudyGo) {
  for (const Stage_& st : kStages) {
    auto r = When(st.state(), StartOperation{Operational(), kToday});
    bool expected = std::string(st.name) == "studied-go";
    EXPECT_EQ(Accepted(r), expected) << st.name;
    if (!expected) ExpectError(r, ErrorCode::kInvalidTransition, "");
  }
  // Repeated studies: the latest counts, both ways.
  SynergyState go_then_no = GivenSynergy({Identified(), Studied(), Studied(Decision::kNoGo)});
  ExpectError(When(go_then_no, StartOperation{Operational(), kToday}),
              ErrorCode::kInvalidTransition, "");
  SynergyState no_then_go = GivenSynergy({Identified(), Studied(Decision::kNoGo), Studied()});
  ExpectEvents(When(no_then_go, StartOperation{Operational(), kToday}), {Operational()});
}

TEST(Lifecycle, MeasurementsInOperationalAndMeasuredOnly) {
  for (const Stage_& st : kStages) {
    auto r = When(st.state(), MeasureBenefits{Measured("m9", "2020-01-01", "2020-12-31"), kToday});
    bool expected = std::string(st.name) == "operational" || std::string(st.name) == "measured";
    EXPECT_EQ(Accepted(r), expected) << st.name;
    if (!expected) ExpectError(r, ErrorCode::kInvalidTransition, "");
  }
}

TEST(Lifecycle, AbandonmentFromEveryStageButAbandoned) {
  SynergyAbandoned a{D("2020-01-01"), ReasonCode::kPartnerLeft, std::string("closed")};
  for (const Stage_& st : kStages) {
    auto r = When(st.state(), AbandonSynergy{a, kToday});
    bool expected = std::string(st.name) != "abandoned";
    EXPECT_EQ(Accepted(r), expected) << st.name;
    if (!expected) ExpectError(r, ErrorCode::kInvalidTransition, "");
  }
}

TEST(Lifecycle, CorrectionsInEveryStageIncludingAbandoned) {
  MeasurementCorrected c{"m1", Quantities{500, 0, 0, 0, 0, 0}, "invoice revised"};
  SynergyState abandoned_after_measures = Given(
      InMeasured(), {SynergyAbandoned{D("2020-01-01"), ReasonCode::kOther, std::nullopt}});
  ExpectEvents(When(InMeasured(), CorrectMeasurement{c}), {c});
  ExpectEvents(When(abandoned_after_measures, CorrectMeasurement{c}), {c});
}

TEST(Lifecycle, CommandsOnAnUnknownSynergyAreNotFound) {
  ExpectError(When({}, StudyFeasibility{Studied(), kToday}), ErrorCode::kNotFound, "");
  ExpectError(When({}, StartOperation{Operational(), kToday}), ErrorCode::kNotFound, "");
  ExpectError(When({}, CorrectMeasurement{MeasurementCorrected{"m1", {}, "r"}}),
              ErrorCode::kNotFound, "");
}

TEST(Lifecycle, StagesFollowEvents) {
  EXPECT_EQ(InIdentified().stage, Stage::kIdentified);
  EXPECT_EQ(InStudiedNoGo().stage, Stage::kStudied);
  EXPECT_EQ(InOperational().stage, Stage::kOperational);
  EXPECT_EQ(InMeasured().stage, Stage::kMeasured);
  EXPECT_EQ(InAbandoned().stage, Stage::kAbandoned);
  EXPECT_EQ(InMeasured().version, 4u);
}

// ---- Values of each command -------------------------------------------------

TEST(StudyFeasibility, Values) {
  FeasibilityStudied s = Studied();
  s.estimated.tonnes_recovered = -1;
  ExpectError(When(InIdentified(), StudyFeasibility{s, kToday}), ErrorCode::kValidation,
              "estimated.tonnes_recovered");
  s = Studied(Decision::kGo, "2024-07-01");
  ExpectError(When(InIdentified(), StudyFeasibility{s, kToday}), ErrorCode::kValidation,
              "occurred_on");
  // Invalid values win over a refused transition.
  ExpectError(When(InOperational(), StudyFeasibility{s, kToday}), ErrorCode::kValidation,
              "occurred_on");
}

TEST(MeasureBenefits, PeriodRules) {
  auto measure = [](const SynergyState& s, const char* from, const char* to,
                    std::string id = "m2") {
    return When(s, MeasureBenefits{Measured(id, from, to), kToday});
  };
  // Order.
  ExpectError(measure(InOperational(), "2020-02-01", "2020-01-31"), ErrorCode::kValidation,
              "period_to");
  // A period of one day is fine.
  EXPECT_TRUE(measure(InOperational(), "2020-02-01", "2020-02-01").ok());
  // Not before the operation (2017-06-01).
  ExpectError(measure(InOperational(), "2017-05-31", "2017-12-31"), ErrorCode::kValidation,
              "period_from");
  EXPECT_TRUE(measure(InOperational(), "2017-06-01", "2017-12-31").ok());
  // No overlap with m1 (2018-07-01..2019-06-30), touching ends included.
  ExpectError(measure(InMeasured(), "2019-06-30", "2019-12-31"), ErrorCode::kValidation,
              "period_from");
  ExpectError(measure(InMeasured(), "2018-01-01", "2018-07-01"), ErrorCode::kValidation,
              "period_from");
  ExpectError(measure(InMeasured(), "2018-01-01", "2020-01-01"), ErrorCode::kValidation,
              "period_from");
  EXPECT_TRUE(measure(InMeasured(), "2019-07-01", "2019-12-31").ok());
  EXPECT_TRUE(measure(InMeasured(), "2017-06-01", "2018-06-30").ok());
  // Not in the future.
  ExpectError(measure(InOperational(), "2024-06-01", "2024-06-17"), ErrorCode::kValidation,
              "period_to");
  // Unique id within the synergy.
  ExpectError(measure(InMeasured(), "2019-07-01", "2019-12-31", "m1"), ErrorCode::kDuplicate,
              "id");
  ExpectError(measure(InMeasured(), "2019-07-01", "2019-12-31", "M1"), ErrorCode::kValidation,
              "id");
}

TEST(MeasureBenefits, ValuesAndPrecedence) {
  BenefitsMeasured m = Measured("m2", "2020-01-01", "2020-12-31");
  m.values.energy_mwh = std::numeric_limits<double>::infinity();
  ExpectError(When(InOperational(), MeasureBenefits{m, kToday}), ErrorCode::kValidation,
              "values.energy_mwh");
  // Order of a period is invalid whatever the state: it beats 409.
  BenefitsMeasured reversed = Measured("m2", "2020-02-01", "2020-01-01");
  ExpectError(When(InIdentified(), MeasureBenefits{reversed, kToday}), ErrorCode::kValidation,
              "period_to");
  // Every value invalid whatever the state is named, in the body's order.
  BenefitsMeasured several = Measured("M2", "2020-02-01", "2020-01-01");
  several.values.water_m3 = -1;
  several.values.jobs = -2;
  ExpectErrors(When(InOperational(), MeasureBenefits{several, kToday}), ErrorCode::kValidation,
               {"id", "period_to", "values.water_m3", "values.jobs"});
  // A period before the operation conflicts with the state: 409 wins.
  ExpectError(When(InIdentified(), MeasureBenefits{Measured("m2", "2010-01-01", "2010-02-01"),
                                                   kToday}),
              ErrorCode::kInvalidTransition, "");
}

TEST(CorrectMeasurement, ReplacesAllValuesAndKeepsHistory) {
  MeasurementCorrected c1{"m1", Quantities{500, 2, 0, 0, 0, 0}, "invoice revised"};
  MeasurementCorrected c2{"m1", Quantities{0, 3, 0, 0, 0, 0}, "again"};
  SynergyState s = Given(InMeasured(), {c1, c2});
  const MeasurementState* m = s.FindMeasurement("m1");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->corrected);
  EXPECT_EQ(m->values, (Quantities{0, 3, 0, 0, 0, 0}));
  EXPECT_EQ(s.stage, Stage::kMeasured);
  EXPECT_EQ(s.version, 6u);
}

TEST(CorrectMeasurement, KeepsTheMeasurementsProvenanceAndPeriod) {
  BenefitsMeasured m = Measured("m2", "2024-05-01", "2024-05-31");
  m.source = "invoices 2024-05";
  m.verified_by = "CCI auditor";
  SynergyState s = Given(InMeasured(), {m});
  EXPECT_EQ(s.FindMeasurement("m1")->provenance, nullptr);  // none given, none kept
  s = Given(s, {MeasurementCorrected{"m2", Quantities{7, 0, 0, 0, 0, 0}, "typo"}});
  const MeasurementState* kept = s.FindMeasurement("m2");
  ASSERT_NE(kept, nullptr);
  BenefitsMeasured expected = m;
  expected.values = Quantities{7, 0, 0, 0, 0, 0};
  EXPECT_EQ(kept->Measured(), expected);
  EXPECT_TRUE(kept->corrected);
  // Equality looks through the pointer.
  MeasurementState copy = MeasurementState::Of(m);
  copy.values = expected.values;
  copy.corrected = true;
  EXPECT_EQ(copy, *kept);
  copy.provenance = std::make_shared<const MeasurementProvenance>(
      MeasurementProvenance{"other", std::nullopt, std::nullopt});
  EXPECT_NE(copy, *kept);
}

TEST(CorrectMeasurement, Refusals) {
  ExpectError(When(InMeasured(), CorrectMeasurement{{"m7", {}, "r"}}), ErrorCode::kNotFound, "");
  ExpectError(When(InMeasured(), CorrectMeasurement{{"m1", {}, ""}}), ErrorCode::kValidation,
              "reason");
  ExpectError(When(InMeasured(), CorrectMeasurement{{"m1", Quantities{0, -1, 0, 0, 0, 0}, "r"}}),
              ErrorCode::kValidation, "values.tonnes_recovered");
}

TEST(AbandonSynergy, Values) {
  SynergyAbandoned a{D("2024-06-20"), ReasonCode::kTechnical, std::nullopt};
  ExpectError(When(InIdentified(), AbandonSynergy{a, kToday}), ErrorCode::kValidation,
              "occurred_on");
  SynergyState s = Given(InMeasured(), {SynergyAbandoned{D("2020-01-01"), ReasonCode::kNoGo,
                                                         std::nullopt}});
  EXPECT_EQ(s.stage, Stage::kAbandoned);
  ASSERT_TRUE(s.abandonment);
  EXPECT_EQ(s.abandonment->reason_code, ReasonCode::kNoGo);
  EXPECT_EQ(s.measurements.size(), 1u);  // measured values stay
}

TEST(SynergyEvolve, IgnoresProgrammeEvents) {
  EXPECT_EQ(Evolve(InMeasured(), Launched()), InMeasured());
  EXPECT_EQ(SynergyStream("s1"), "synergy-s1");
}

}  // namespace
}  // namespace synergy::testing
