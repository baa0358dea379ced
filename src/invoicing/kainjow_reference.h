// Renders template values with kainjow mustache, the reference mustache implementation, so tests
// can check CompiledTemplate against it and benchmarks can compare the two. Not used in production:
// kainjow resolves names through maps and streams at render time, too slow for the per-customer
// budget, and its render() mutates the template object, so it cannot be shared between threads.
#pragma once

#include <kainjow/mustache.hpp>

#include <stdexcept>
#include <string>

#include "invoicing/compiled_template.h"

namespace tr1l::invoicing {

inline kainjow::mustache::data to_kainjow_data(const TemplateSchema& schema, const TemplateValues& values) {
  using kainjow::mustache::data;
  data view;
  for (std::size_t index = 0; index < schema.fields.size(); ++index) view.set(schema.fields[index], values.fields[index]);
  for (std::size_t index = 0; index < schema.flags.size(); ++index) {
    view.set(schema.flags[index], values.flags[index] ? data::type::bool_true : data::type::bool_false);
  }
  for (std::size_t list = 0; list < schema.lists.size(); ++list) {
    data items{data::type::list};
    for (const TemplateValues::Record& record : values.lists[list]) {
      data item;
      for (std::size_t field = 0; field < record.size(); ++field) item.set(schema.lists[list].item_fields[field], record[field]);
      items.push_back(item);
    }
    view.set(schema.lists[list].name, items);
  }
  return view;
}

// One kainjow template, parsed once; escapes exactly as append_html_escaped does.
class KainjowReference {
 public:
  explicit KainjowReference(const std::string& text) : template_(text) {
    if (!template_.is_valid()) throw std::invalid_argument("kainjow: " + template_.error_message());
    template_.set_custom_escape([](const std::string& value) {
      std::string escaped;
      append_html_escaped(escaped, value);
      return escaped;
    });
  }

  std::string render(const TemplateSchema& schema, const TemplateValues& values) {
    std::string output = template_.render(to_kainjow_data(schema, values));
    if (!template_.is_valid()) throw std::runtime_error("kainjow: " + template_.error_message());
    return output;
  }

 private:
  kainjow::mustache::mustache template_;
};

}  // namespace tr1l::invoicing
