// Fuzz target: a request body through the strict JSON parser and every
// body-to-event mapping, then the deciders. Nothing may crash, hang or leak;
// each step answers a value or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/json_input.h"
#include "domain/programme.h"
#include "domain/synergy.h"

using namespace synergy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Result<nlohmann::json> body =
      api::ParseBody(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body.ok()) return 0;
  const Date today = Date::FromYmd(2026, 1, 1);
  ProgrammeState programme;
  if (auto e = api::ToProgrammeLaunched(*body); e.ok()) {
    (void)Decide(programme, LaunchProgramme{*e, today});
  }
  if (auto e = api::ToCompanyEnrolled(*body); e.ok()) (void)Decide(programme, EnrolCompany{*e});
  if (auto e = api::ToCompanyWithdrew(*body, "acme"); e.ok()) {
    (void)Decide(programme, WithdrawCompany{*e, today});
  }
  if (auto e = api::ToDiagnosticRecorded(*body); e.ok()) {
    (void)Decide(programme, RecordDiagnostic{*e, today});
  }
  SynergyState synergy;
  if (auto e = api::ToSynergyIdentified(*body, "ziri", "s1"); e.ok()) {
    (void)Decide(synergy, IdentifySynergy{*e, today}, programme);
  }
  if (auto e = api::ToFeasibilityStudied(*body); e.ok()) {
    (void)Decide(synergy, StudyFeasibility{*e, today}, programme);
  }
  if (auto e = api::ToSynergyOperational(*body); e.ok()) {
    (void)Decide(synergy, StartOperation{*e, today}, programme);
  }
  if (auto e = api::ToBenefitsMeasured(*body, "m1"); e.ok()) {
    (void)Decide(synergy, MeasureBenefits{*e, today}, programme);
  }
  if (auto e = api::ToMeasurementCorrected(*body, "m1"); e.ok()) {
    (void)Decide(synergy, CorrectMeasurement{*e}, programme);
  }
  if (auto e = api::ToSynergyAbandoned(*body); e.ok()) {
    (void)Decide(synergy, AbandonSynergy{*e, today}, programme);
  }
  (void)api::ToTokenRequest(*body);
  return 0;
}
