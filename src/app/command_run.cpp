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
  const int status = command_settle(config, {arguments.month, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  if (status != 0) return status;
  // Invoicing (청구서) and dispatch (발송) join this job as those capabilities land.
  std::cout << "run " << arguments.month.to_string()
            << ": settlement done; export the bills with `tr1l export bills --month " << arguments.month.to_string()
            << "`\n";
  return 0;
}

}  // namespace tr1l::app
