// One sample of every event type, with every optional field set, for the
// codec tests and the golden files.
#ifndef SYNERGY_TESTS_INFRA_SAMPLE_EVENTS_H_
#define SYNERGY_TESTS_INFRA_SAMPLE_EVENTS_H_

#include <vector>

#include "domain/events.h"

namespace synergy::testing {

inline std::vector<Event> SampleEvents() {
  auto d = [](const char* s) { return Date::Parse(s).value(); };
  return {
      ProgrammeLaunched{"biotop", "BIOTOP", "Nouvelle-Aquitaine", "17",
                        std::string("Zone industrielle de Périgny"), "La Rochelle Agglo",
                        d("2014-01-15")},
      CompanyEnrolled{"melting-pot", "Melting Pot", std::string("73282932000074"),
                      std::string("10.71C"), std::int64_t{8}},
      CompanyWithdrew{"melting-pot", d("2020-03-01"), "site closed"},
      DiagnosticRecorded{"melting-pot", d("2015-05-05"), {Resource::kWaste, Resource::kWater}},
      SynergyIdentified{"jute-sacks",
                        "biotop",
                        "Sacs de jute en nattes prévégétalisées",
                        SynergyKind::kSubstitution,
                        Resource::kWaste,
                        {{"roaster", ParticipantRole::kProvider},
                         {"melting-pot", ParticipantRole::kReceiver}},
                        std::string("150103"),
                        std::string("3 000 sacs de café"),
                        d("2016-02-01")},
      FeasibilityStudied{d("2016-03-01"),
                         StudyAspects{std::string("org"), std::string("tech"),
                                      std::string("eco"), std::string("logi"),
                                      std::string("legal")},
                         {"motivated partners"},
                         {"transport", "storage"},
                         {"grant"},
                         Decision::kGo,
                         Quantities{1200.5, 3.25, -0.5, 10, 0.75, 1}},
      SynergyOperational{d("2016-06-01"), std::string("first delivery")},
      BenefitsMeasured{"m-2016", d("2016-06-01"), d("2016-12-31"),
                       Quantities{800, 2.5, 1.25, 0, 0, 0.5}, MeasurementMethod::kCalculated,
                       std::string("weighbridge"), std::string("auditor"),
                       std::string("Base Empreinte v23")},
      MeasurementCorrected{"m-2016", Quantities{850, 2.75, 1.5, 0, 0, 0.5}, "late invoice"},
      SynergyAbandoned{d("2021-01-01"), ReasonCode::kPartnerLeft, std::string("moved")},
  };
}

// The frame every golden record carries.
inline constexpr std::uint64_t kGoldenPosition = 7;
inline constexpr std::uint64_t kGoldenVersion = 3;
inline constexpr std::int64_t kGoldenRecordedAt = 1'700'000'000'123'456;
inline constexpr const char* kGoldenEventId = "00112233445566778899aabbccddeeff";
inline constexpr const char* kGoldenStream = "synergy-jute-sacks";
inline constexpr const char* kGoldenActor = "facilitator-anne";

}  // namespace synergy::testing

#endif  // SYNERGY_TESTS_INFRA_SAMPLE_EVENTS_H_
