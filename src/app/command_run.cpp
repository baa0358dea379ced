// tr1l run: the main job on whatever backends are configured.
#include <iostream>

#include "app/backends.h"
#include "app/commands.h"

namespace tr1l::app {

int command_run(const Config& config, const RunArguments& arguments) {
  {
    auto database = database_factory(config)();
    if (database->customers().count_customers() == 0) {
      std::cout << "run: the database is empty; seeding " << arguments.users << " customers\n";
      const int status = command_seed(config, {arguments.users, arguments.month, arguments.seed, std::nullopt});
      if (status != 0) return status;
    }
  }
  int status = command_settle(config, {arguments.month, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  if (status != 0) return status;
  status = command_invoice(config, {arguments.month, false, {}, std::nullopt, std::nullopt});
  if (status != 0) return status;
  // Dispatch and delivery (발송) join this job with the dispatch capability.
  std::cout << "run " << arguments.month.to_string() << ": settled and invoiced; bills via `tr1l export bills --month "
            << arguments.month.to_string() << "`, invoices under the configured object store\n";
  return 0;
}

}  // namespace tr1l::app
