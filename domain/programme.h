// The programme aggregate: a territory's cooperation programme, its enrolled
// companies and its diagnostics. Stream "programme-<id>".
#ifndef SYNERGY_DOMAIN_PROGRAMME_H_
#define SYNERGY_DOMAIN_PROGRAMME_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/events.h"
#include "domain/result.h"

namespace synergy {

struct CompanyState {
  CompanyEnrolled enrolment;
  std::optional<Date> withdrawn_on;
  friend bool operator==(const CompanyState&, const CompanyState&) = default;
};

struct ProgrammeState {
  std::uint64_t version = 0;  // events applied; 0 = the programme does not exist
  ProgrammeLaunched launch;
  std::map<std::string, CompanyState, std::less<>> companies;
  std::uint64_t diagnostics = 0;

  bool exists() const { return version > 0; }
  // The company enrolled under `id` and not withdrawn, or nullptr.
  const CompanyState* ActiveCompany(std::string_view id) const;
  friend bool operator==(const ProgrammeState&, const ProgrammeState&) = default;
};

// Commands carry the event they would record and the caller's `today` (UTC):
// the decider reads no clock.
struct LaunchProgramme {
  ProgrammeLaunched data;
  Date today;
};
struct EnrolCompany {
  CompanyEnrolled data;
};
struct WithdrawCompany {
  CompanyWithdrew data;
  Date today;
};
struct RecordDiagnostic {
  DiagnosticRecorded data;
  Date today;
};
using ProgrammeCommand =
    std::variant<LaunchProgramme, EnrolCompany, WithdrawCompany, RecordDiagnostic>;

std::string ProgrammeStream(std::string_view programme_id);

// The events `command` appends to a programme in `state`, or why not. Checks
// run in the contract's precedence: unknown resource in the path (not-found),
// values invalid whatever the state (validation), transitions and duplicates,
// then values conflicting with the state (validation).
[[nodiscard]] Result<std::vector<Event>> Decide(const ProgrammeState& state,
                                                const ProgrammeCommand& command);

// Applies one event; events of other aggregates leave the state unchanged.
[[nodiscard]] ProgrammeState Evolve(ProgrammeState state, const Event& event);
// The same, in place: for folds that keep one state per aggregate.
void EvolveInPlace(ProgrammeState& state, const Event& event);

// Checks shared by the deciders.
Status ValidateId(std::string_view id, std::string_view field);
Status ValidateText(std::string_view text, std::string_view field);
// A business date may not lie after tomorrow.
Status ValidateNotFuture(Date date, Date today, std::string_view field);

}  // namespace synergy

#endif  // SYNERGY_DOMAIN_PROGRAMME_H_
