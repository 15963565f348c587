// Result<T>: a value or an Error. Errors cross every layer as values, never
// as exceptions.
#ifndef SYNERGY_DOMAIN_RESULT_H_
#define SYNERGY_DOMAIN_RESULT_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace synergy {

// One code per problem type of the HTTP contract; the API maps them one to one.
enum class ErrorCode {
  kMalformedJson,
  kValidation,
  kNotFound,
  kInvalidTransition,
  kVersionConflict,
  kDuplicate,
  kIdempotencyMismatch,
  kUnauthorized,
  kForbidden,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kMethodNotAllowed,
  kUnavailable,
};

// The problem type of the HTTP contract, e.g. "invalid-transition".
std::string_view ProblemType(ErrorCode code);

// One more offending field of an error that names several.
struct FieldMessage {
  std::string field;
  std::string message;

  friend bool operator==(const FieldMessage&, const FieldMessage&) = default;
};

struct Error {
  ErrorCode code;
  std::string message;
  // The offending field as a dotted path ("values.water_m3",
  // "participants.1.role"), or empty when no single field is at fault.
  std::string field;
  // The other offending fields, when one check found several (see
  // Violations), in the order found; empty otherwise.
  std::vector<FieldMessage> more;

  friend bool operator==(const Error&, const Error&) = default;
};

inline Error MakeError(ErrorCode code, std::string message,
                       std::string field = {}) {
  return Error{code, std::move(message), std::move(field), {}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Requires ok().
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  // On a temporary, the value moves out: `for (auto& x : *F())` stays safe.
  T value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Requires !ok().
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation with no value: an empty optional error.
struct Ok {
  friend bool operator==(const Ok&, const Ok&) = default;
};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

// Gathers the errors of checks that do not depend on each other, so that
// one reply names every invalid field rather than the first: the first error
// added leads, the fields of the others follow in its `more`. Only
// kValidation errors are meant to be gathered; an error of another code
// added first stays the result.
class Violations {
 public:
  void Add(Status status) {
    if (!status.ok()) Add(status.error());
  }
  void Add(Error error) {
    if (!first_) {
      first_ = std::move(error);
      return;
    }
    first_->more.push_back({std::move(error.field), std::move(error.message)});
    for (FieldMessage& m : error.more) first_->more.push_back(std::move(m));
  }
  // Ok when nothing was added, else the gathered error.
  Status status() && {
    if (!first_) return OkStatus();
    return std::move(*first_);
  }

 private:
  std::optional<Error> first_;
};

}  // namespace synergy

// Returns the error of a failed Status from the enclosing function, whose
// result type must be constructible from an Error.
#define SYNERGY_RETURN_IF_ERROR(expr)                \
  do {                                               \
    if (::synergy::Status status_ = (expr); !status_.ok()) { \
      return status_.error();                        \
    }                                                \
  } while (false)

#endif  // SYNERGY_DOMAIN_RESULT_H_
