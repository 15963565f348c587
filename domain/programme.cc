#include "domain/programme.h"

#include <algorithm>
#include <type_traits>

namespace synergy {

const CompanyState* ProgrammeState::ActiveCompany(std::string_view id) const {
  auto it = companies.find(id);
  if (it == companies.end() || it->second.withdrawn_on) return nullptr;
  return &it->second;
}

std::string ProgrammeStream(std::string_view programme_id) {
  return "programme-" + std::string(programme_id);
}

Status ValidateId(std::string_view id, std::string_view field) {
  if (!IsValidId(id)) {
    return MakeError(ErrorCode::kValidation,
                     "must match ^[a-z0-9][a-z0-9-]{0,63}$", std::string(field));
  }
  return OkStatus();
}

Status ValidateText(std::string_view text, std::string_view field) {
  if (text.empty()) {
    return MakeError(ErrorCode::kValidation, "must not be empty", std::string(field));
  }
  return OkStatus();
}

Status ValidateNotFuture(Date date, Date today, std::string_view field) {
  if (date.days > today.days + 1) {
    return MakeError(ErrorCode::kValidation, "must not lie after tomorrow",
                     std::string(field));
  }
  return OkStatus();
}

namespace {

Error NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}

Result<std::vector<Event>> DecideLaunch(const ProgrammeState& state,
                                        const LaunchProgramme& c) {
  const ProgrammeLaunched& d = c.data;
  Violations values;
  values.Add(ValidateId(d.id, "id"));
  values.Add(ValidateText(d.name, "name"));
  values.Add(ValidateText(d.region, "region"));
  values.Add(ValidateText(d.department, "department"));
  values.Add(ValidateText(d.facilitator_org, "facilitator_org"));
  values.Add(ValidateNotFuture(d.started_on, c.today, "started_on"));
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  if (state.exists()) {
    return MakeError(ErrorCode::kDuplicate, "programme " + d.id + " already exists", "id");
  }
  return std::vector<Event>{d};
}

Result<std::vector<Event>> DecideEnrol(const ProgrammeState& state,
                                       const EnrolCompany& c) {
  if (!state.exists()) return NotFound("no such programme");
  const CompanyEnrolled& d = c.data;
  Violations values;
  values.Add(ValidateId(d.id, "id"));
  values.Add(ValidateText(d.name, "name"));
  if (d.siret && !IsValidSiret(*d.siret)) {
    values.Add(MakeError(ErrorCode::kValidation,
                         "must be 14 digits passing the Luhn check", "siret"));
  }
  if (d.nace && !IsValidNace(*d.nace)) {
    values.Add(MakeError(ErrorCode::kValidation,
                         "must be a NAF/APE code such as 1071C or 10.71C", "nace"));
  }
  if (d.employees && *d.employees < 0) {
    values.Add(MakeError(ErrorCode::kValidation, "must be >= 0", "employees"));
  }
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  if (state.companies.contains(d.id)) {
    return MakeError(ErrorCode::kDuplicate,
                     "company " + d.id + " is already enrolled", "id");
  }
  return std::vector<Event>{d};
}

Result<std::vector<Event>> DecideWithdraw(const ProgrammeState& state,
                                          const WithdrawCompany& c) {
  if (!state.exists()) return NotFound("no such programme");
  const CompanyWithdrew& d = c.data;
  auto company = state.companies.find(d.company_id);
  if (company == state.companies.end()) return NotFound("no such company");
  Violations values;
  values.Add(ValidateNotFuture(d.occurred_on, c.today, "occurred_on"));
  values.Add(ValidateText(d.reason, "reason"));
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  if (company->second.withdrawn_on) {
    return MakeError(ErrorCode::kInvalidTransition,
                     "company " + d.company_id + " has already withdrawn");
  }
  return std::vector<Event>{d};
}

Result<std::vector<Event>> DecideDiagnostic(const ProgrammeState& state,
                                            const RecordDiagnostic& c) {
  if (!state.exists()) return NotFound("no such programme");
  const DiagnosticRecorded& d = c.data;
  Violations values;
  values.Add(ValidateId(d.company_id, "company_id"));
  values.Add(ValidateNotFuture(d.performed_on, c.today, "performed_on"));
  if (d.resources.empty()) {
    values.Add(MakeError(ErrorCode::kValidation, "must name at least one resource",
                         "resources"));
  }
  for (std::size_t i = 0; i < d.resources.size(); ++i) {
    if (std::find(d.resources.begin(), d.resources.begin() + static_cast<std::ptrdiff_t>(i),
                  d.resources[i]) != d.resources.begin() + static_cast<std::ptrdiff_t>(i)) {
      values.Add(MakeError(ErrorCode::kValidation, "is listed twice",
                           "resources." + std::to_string(i)));
    }
  }
  SYNERGY_RETURN_IF_ERROR(std::move(values).status());
  auto company = state.companies.find(d.company_id);
  if (company == state.companies.end()) {
    return MakeError(ErrorCode::kValidation, "no such company in this programme",
                     "company_id");
  }
  if (company->second.withdrawn_on) {
    return MakeError(ErrorCode::kValidation, "the company has withdrawn",
                     "company_id");
  }
  return std::vector<Event>{d};
}

}  // namespace

Result<std::vector<Event>> Decide(const ProgrammeState& state,
                                  const ProgrammeCommand& command) {
  struct Visitor {
    const ProgrammeState& state;
    Result<std::vector<Event>> operator()(const LaunchProgramme& c) { return DecideLaunch(state, c); }
    Result<std::vector<Event>> operator()(const EnrolCompany& c) { return DecideEnrol(state, c); }
    Result<std::vector<Event>> operator()(const WithdrawCompany& c) { return DecideWithdraw(state, c); }
    Result<std::vector<Event>> operator()(const RecordDiagnostic& c) { return DecideDiagnostic(state, c); }
  };
  return std::visit(Visitor{state}, command);
}

ProgrammeState Evolve(ProgrammeState state, const Event& event) {
  EvolveInPlace(state, event);
  return state;
}

void EvolveInPlace(ProgrammeState& state, const Event& event) {
  std::visit(
      [&state](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, ProgrammeLaunched>) {
          state.launch = e;
        } else if constexpr (std::is_same_v<E, CompanyEnrolled>) {
          state.companies[e.id] = CompanyState{e, std::nullopt};
        } else if constexpr (std::is_same_v<E, CompanyWithdrew>) {
          auto it = state.companies.find(e.company_id);
          if (it != state.companies.end()) it->second.withdrawn_on = e.occurred_on;
        } else if constexpr (std::is_same_v<E, DiagnosticRecorded>) {
          ++state.diagnostics;
        } else {
          return;  // a synergy's event
        }
        ++state.version;
      },
      event);
}

}  // namespace synergy
