// A mustache template compiled once into literal text and numbered value slots, so rendering one
// invoice is a walk over a short list of segments with no lookups by name and no allocation
// beyond the output string. (kainjow mustache, the reference implementation, resolves every name
// through maps and streams at render time: about 25 µs per e-mail, half the per-customer budget.)
//
// Supports the part of mustache the invoice templates use: {{name}} (HTML-escaped), {{{name}}}
// and {{&name}} (inserted as is), {{#name}}…{{/name}} over a flag or a list of records,
// {{^name}}…{{/name}} (flag false or list empty), and {{! comments }}. Section and comment tags
// alone on their line remove the whole line, as the mustache specification says. Names are
// checked when the template is compiled, so a misspelt name fails at start-up instead of leaving
// an empty hole in a million invoices. Partials, delimiter changes, dotted names and lists inside
// lists are rejected for the same reason.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tr1l::invoicing {

// The names a template may use. Values are given in this order.
struct TemplateSchema {
  struct List {
    std::string name;
    std::vector<std::string> item_fields;
  };
  std::vector<std::string> fields;  // text values
  std::vector<std::string> flags;   // booleans, usable only as sections
  std::vector<List> lists;          // lists of records, usable only as sections
};

// The values of one rendering, laid out in the schema's order.
struct TemplateValues {
  using Record = std::vector<std::string>;  // one list item, in the list's item_fields order

  TemplateValues() = default;
  explicit TemplateValues(const TemplateSchema& schema)
      : fields(schema.fields.size()), flags(schema.flags.size()), lists(schema.lists.size()) {}

  std::vector<std::string> fields;
  std::vector<bool> flags;
  std::vector<std::vector<Record>> lists;
};

// Appends `text` with & < > " ' replaced by character references (' as &#39;, which old mail
// clients understand, unlike &apos;).
void append_html_escaped(std::string& output, std::string_view text);

class CompiledTemplate {
 public:
  // Throws std::invalid_argument naming `template_name` and the line for a syntax error, an
  // unknown name or an unsupported tag.
  CompiledTemplate(std::string_view text, const TemplateSchema& schema, std::string_view template_name);

  // Appends the rendering to `output`. Safe to call from many threads at once.
  void render(const TemplateValues& values, std::string& output) const;
  std::string render(const TemplateValues& values) const;

  // The size of the literal text alone: a good first guess for the output's capacity.
  std::size_t literal_size() const { return literal_size_; }

 private:
  struct Segment {
    enum class Kind { Literal, Field, ItemField, FlagSection, ListSection };
    Kind kind = Kind::Literal;
    std::string text;        // Literal
    std::size_t index = 0;   // field, item field, flag or list number
    bool escaped = true;     // Field, ItemField
    bool inverted = false;   // sections
    std::vector<Segment> children;
  };

  static void render_segments(const std::vector<Segment>& segments, const TemplateValues& values,
                              const TemplateValues::Record* item, std::string& output);

  std::vector<Segment> segments_;
  std::size_t literal_size_ = 0;
  std::size_t field_count_ = 0;
  std::size_t flag_count_ = 0;
  std::vector<std::size_t> item_field_counts_;  // per list
};

}  // namespace tr1l::invoicing
