#include "domain/events.h"

namespace synergy {

std::string_view EventType(const Event& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; },
                    event);
}

std::optional<Date> BusinessDate(const Event& event) {
  struct Visitor {
    std::optional<Date> operator()(const ProgrammeLaunched& e) const { return e.started_on; }
    std::optional<Date> operator()(const CompanyEnrolled&) const { return std::nullopt; }
    std::optional<Date> operator()(const CompanyWithdrew& e) const { return e.occurred_on; }
    std::optional<Date> operator()(const DiagnosticRecorded& e) const { return e.performed_on; }
    std::optional<Date> operator()(const SynergyIdentified& e) const { return e.occurred_on; }
    std::optional<Date> operator()(const FeasibilityStudied& e) const { return e.occurred_on; }
    std::optional<Date> operator()(const SynergyOperational& e) const { return e.occurred_on; }
    std::optional<Date> operator()(const BenefitsMeasured& e) const { return e.period_to; }
    std::optional<Date> operator()(const MeasurementCorrected&) const { return std::nullopt; }
    std::optional<Date> operator()(const SynergyAbandoned& e) const { return e.occurred_on; }
  };
  return std::visit(Visitor{}, event);
}

}  // namespace synergy
