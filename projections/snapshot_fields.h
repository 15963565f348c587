// The snapshot field lists of the domain's value types and the sizes of its
// enumerations, shared by every projection's checkpoint (see the archives in
// projections/snapshot.h). The log's own encoding is the codec's
// (infra/codec.cc); these may change with a projection's format version.
#ifndef SYNERGY_PROJECTIONS_SNAPSHOT_FIELDS_H_
#define SYNERGY_PROJECTIONS_SNAPSHOT_FIELDS_H_

#include <cstdint>

#include "domain/values.h"

namespace synergy {

constexpr std::uint8_t EnumCount(SynergyKind) { return 2; }
constexpr std::uint8_t EnumCount(Resource) { return 9; }
constexpr std::uint8_t EnumCount(ParticipantRole) { return 3; }
constexpr std::uint8_t EnumCount(Decision) { return 2; }
constexpr std::uint8_t EnumCount(ReasonCode) { return 7; }
constexpr std::uint8_t EnumCount(MeasurementMethod) { return 4; }
constexpr std::uint8_t EnumCount(Stage) { return 5; }

template <class Ar> void Fields(Ar& ar, Date& v) { ar(v.days); }
template <class Ar> void Fields(Ar& ar, Quantities& v) {
  ar(v.savings_eur, v.tonnes_recovered, v.co2e_avoided_t, v.water_m3, v.energy_mwh, v.jobs);
}

}  // namespace synergy

#endif  // SYNERGY_PROJECTIONS_SNAPSHOT_FIELDS_H_
