// The tariff catalogue compiled into the binary (catalog/*.csv), for `tr1l seed` and any job run
// without an operator-supplied catalogue.
#pragma once

#include "domain/catalog.h"

namespace tr1l::ingest {

// Parsed once on first use; throws domain::CatalogError if the embedded files are broken.
const domain::Catalog& default_catalog();

}  // namespace tr1l::ingest
