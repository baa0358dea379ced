// The customer-side records of the operator's systems of record (SPEC §3), as the domain sees
// them. Contact details never appear here in plaintext: they live encrypted in storage and the
// domain only learns whether the customer can be reached.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"

namespace tr1l::domain {

using UserId = std::int64_t;

enum class CustomerStatus { Active, Withdrawn, Banned };
enum class Role { User, Admin, Guest };

std::string_view to_string(CustomerStatus status);
std::string_view to_string(Role role);
std::optional<CustomerStatus> parse_customer_status(std::string_view text);
std::optional<Role> parse_role(std::string_view text);

// 선택약정: a contract term, inclusive at both ends.
struct ContractTerm {
  Date start;
  Date end;
};

struct AddOnSubscription {
  std::string add_on_code;
  Date start;
  Date end;
};

// 현역병사: military service; no end date while still serving.
struct MilitaryService {
  Date start;
  std::optional<Date> end;
};

// Whether a bill can be delivered to the customer at all, judged from the stored contact fields.
enum class ContactState {
  Reachable,  // at least one well-formed encrypted e-mail or phone
  Missing,    // neither e-mail nor phone
  Corrupt,    // a stored ciphertext is damaged or under an unknown key
};

// Everything settlement needs to bill one customer for one month.
struct BillingAccount {
  UserId user_id = 0;
  std::string plan_code;
  std::optional<std::string> welfare_code;
  ContactState contact = ContactState::Reachable;
  std::vector<ContractTerm> contracts;
  std::vector<AddOnSubscription> add_ons;
  std::optional<MilitaryService> military;
  std::int64_t used_mb = 0;  // the month's data usage; 0 when no usage row exists
};

}  // namespace tr1l::domain
