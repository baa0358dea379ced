#include "common/embedded_resources.h"

namespace tr1l::embedded {

std::optional<std::string_view> find(std::string_view name) {
  for (const Resource& resource : all()) {
    if (resource.name == name) return resource.content;
  }
  return std::nullopt;
}

std::vector<Resource> with_prefix(std::string_view prefix) {
  std::vector<Resource> matching;
  for (const Resource& resource : all()) {
    if (resource.name.starts_with(prefix)) matching.push_back(resource);
  }
  return matching;
}

}  // namespace tr1l::embedded
