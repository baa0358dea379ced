#include "ports/delivery_store.h"

namespace tr1l::ports {

std::string DeliveryRequest::attempt_id() const {
  return domain::AttemptKey{month.to_string(), user_id, round}.to_string();
}

}  // namespace tr1l::ports
