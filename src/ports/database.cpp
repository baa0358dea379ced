#include "ports/database.h"

namespace tr1l::ports {

std::string_view to_string(JobKind kind) { return kind == JobKind::Settlement ? "settle" : "invoice"; }

}  // namespace tr1l::ports
