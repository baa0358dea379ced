#include "domain/customer.h"

namespace tr1l::domain {

std::string_view to_string(CustomerStatus status) {
  switch (status) {
    case CustomerStatus::Active: return "ACTIVE";
    case CustomerStatus::Withdrawn: return "WITHDRAWN";
    case CustomerStatus::Banned: return "BANNED";
  }
  return "ACTIVE";
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::User: return "USER";
    case Role::Admin: return "ADMIN";
    case Role::Guest: return "GUEST";
  }
  return "USER";
}

std::optional<CustomerStatus> parse_customer_status(std::string_view text) {
  if (text == "ACTIVE") return CustomerStatus::Active;
  if (text == "WITHDRAWN") return CustomerStatus::Withdrawn;
  if (text == "BANNED") return CustomerStatus::Banned;
  return std::nullopt;
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "USER") return Role::User;
  if (text == "ADMIN") return Role::Admin;
  if (text == "GUEST") return Role::Guest;
  return std::nullopt;
}

}  // namespace tr1l::domain
