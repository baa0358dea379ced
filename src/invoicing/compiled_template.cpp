#include "invoicing/compiled_template.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace tr1l::invoicing {
namespace {

constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

bool is_blank(char character) { return character == ' ' || character == '\t'; }

bool is_name_character(char character) {
  return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
         (character >= '0' && character <= '9') || character == '_';
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (is_blank(text.front()) || text.front() == '\n' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (is_blank(text.back()) || text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::size_t position_of(const std::vector<std::string>& names, std::string_view name) {
  const auto found = std::find(names.begin(), names.end(), name);
  return found == names.end() ? kNotFound : static_cast<std::size_t>(found - names.begin());
}

std::size_t list_position(const std::vector<TemplateSchema::List>& lists, std::string_view name) {
  const auto found = std::find_if(lists.begin(), lists.end(), [&](const auto& list) { return list.name == name; });
  return found == lists.end() ? kNotFound : static_cast<std::size_t>(found - lists.begin());
}

}  // namespace

void append_html_escaped(std::string& output, std::string_view text) {
  // A table lookup per byte and bulk appends of the runs between special characters: values are
  // mostly plain, and string_view::find_first_of (a memchr over the set per byte) was the most
  // expensive step of rendering.
  static constexpr std::array<bool, 256> special = [] {
    std::array<bool, 256> table{};
    for (const unsigned char character : std::string_view("&<>\"'")) table[character] = true;
    return table;
  }();
  std::size_t run_start = 0;
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (!special[static_cast<unsigned char>(text[index])]) continue;
    output.append(text.data() + run_start, index - run_start);
    switch (text[index]) {
      case '&': output.append("&amp;"); break;
      case '<': output.append("&lt;"); break;
      case '>': output.append("&gt;"); break;
      case '"': output.append("&quot;"); break;
      default: output.append("&#39;"); break;
    }
    run_start = index + 1;
  }
  output.append(text.data() + run_start, text.size() - run_start);
}

CompiledTemplate::CompiledTemplate(std::string_view text, const TemplateSchema& schema,
                                   std::string_view template_name)
    : field_count_(schema.fields.size()), flag_count_(schema.flags.size()) {
  for (const TemplateSchema::List& list : schema.lists) item_field_counts_.push_back(list.item_fields.size());
  // An open section: where its segments go, the name its closing tag must repeat, and the list
  // whose item fields are in scope (kNotFound outside list sections).
  struct Frame {
    std::vector<Segment>* segments;
    std::string name;
    std::size_t list;
  };
  std::vector<Frame> frames{{&segments_, "", kNotFound}};

  const auto fail = [&](std::size_t position, const std::string& message) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(position), '\n');
    throw std::invalid_argument("template " + std::string(template_name) + " line " + std::to_string(line) + ": " +
                                message);
  };

  std::string literal;
  const auto flush_literal = [&] {
    if (literal.empty()) return;
    literal_size_ += literal.size();
    Segment segment;
    segment.text = std::move(literal);
    frames.back().segments->push_back(std::move(segment));
    literal.clear();
  };

  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t open = text.find("{{", position);
    if (open == std::string_view::npos) {
      literal.append(text.substr(position));
      break;
    }
    literal.append(text.substr(position, open - position));

    const bool triple = open + 2 < text.size() && text[open + 2] == '{';
    const std::size_t content_start = open + (triple ? 3 : 2);
    const std::size_t close = text.find(triple ? "}}}" : "}}", content_start);
    if (close == std::string_view::npos) fail(open, "tag is never closed");
    const std::size_t tag_end = close + (triple ? 3 : 2);

    std::string_view content = text.substr(content_start, close - content_start);
    char sigil = '\0';
    if (!triple && !content.empty() && std::string_view("#^/!&>=").find(content.front()) != std::string_view::npos) {
      sigil = content.front();
      content.remove_prefix(1);
    }
    if (sigil == '>') fail(open, "partials are not supported");
    if (sigil == '=') fail(open, "delimiter changes are not supported");
    const std::string_view name = trim_blanks(content);
    if (sigil != '!' && (name.empty() || !std::all_of(name.begin(), name.end(), is_name_character))) {
      fail(open, "'" + std::string(name) + "' is not a plain name (letters, digits and _)");
    }

    // A section or comment tag alone on its line takes the whole line with it, indentation and
    // line break included, so templates can be laid out readably without stray blank lines.
    position = tag_end;
    if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') {
      const std::size_t previous_break = open == 0 ? std::string_view::npos : text.rfind('\n', open - 1);
      const std::size_t line_start = previous_break == std::string_view::npos ? 0 : previous_break + 1;
      const bool blank_before = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(line_start),
                                            text.begin() + static_cast<std::ptrdiff_t>(open), is_blank);
      std::size_t after = tag_end;
      while (after < text.size() && is_blank(text[after])) ++after;
      const bool crlf = after + 1 < text.size() && text[after] == '\r' && text[after + 1] == '\n';
      const bool blank_after = after == text.size() || text[after] == '\n' || crlf;
      if (blank_before && blank_after) {
        // Only blanks lie between the line start and the tag, so they are the tail of `literal`.
        literal.resize(literal.size() - (open - line_start));
        position = after == text.size() ? after : after + (crlf ? 2 : 1);
      }
    }

    switch (sigil) {
      case '!':
        break;
      case '#':
      case '^': {
        flush_literal();
        Segment section;
        section.inverted = sigil == '^';
        std::size_t list_in_scope = frames.back().list;
        if (const std::size_t flag = position_of(schema.flags, name); flag != kNotFound) {
          section.kind = Segment::Kind::FlagSection;
          section.index = flag;
        } else if (const std::size_t list = list_position(schema.lists, name); list != kNotFound) {
          if (frames.back().list != kNotFound) fail(open, "list '" + std::string(name) + "' inside another list");
          section.kind = Segment::Kind::ListSection;
          section.index = list;
          if (!section.inverted) list_in_scope = list;
        } else if (position_of(schema.fields, name) != kNotFound) {
          fail(open, "'" + std::string(name) + "' is a value, not a flag or list");
        } else {
          fail(open, "unknown section '" + std::string(name) + "'");
        }
        frames.back().segments->push_back(std::move(section));
        frames.push_back({&frames.back().segments->back().children, std::string(name), list_in_scope});
        break;
      }
      case '/':
        flush_literal();
        if (frames.size() == 1) fail(open, "'" + std::string(name) + "' closes no open section");
        if (frames.back().name != name) {
          fail(open, "'" + std::string(name) + "' closes section '" + frames.back().name + "'");
        }
        frames.pop_back();
        break;
      default: {
        flush_literal();
        Segment variable;
        variable.escaped = !triple && sigil != '&';
        const std::size_t list = frames.back().list;
        const std::size_t item_field = list == kNotFound ? kNotFound : position_of(schema.lists[list].item_fields, name);
        if (item_field != kNotFound) {
          variable.kind = Segment::Kind::ItemField;
          variable.index = item_field;
        } else if (const std::size_t field = position_of(schema.fields, name); field != kNotFound) {
          variable.kind = Segment::Kind::Field;
          variable.index = field;
        } else if (position_of(schema.flags, name) != kNotFound || list_position(schema.lists, name) != kNotFound) {
          fail(open, "'" + std::string(name) + "' is a section, not a value");
        } else {
          fail(open, "unknown value '" + std::string(name) + "'");
        }
        frames.back().segments->push_back(std::move(variable));
        break;
      }
    }
  }
  flush_literal();
  if (frames.size() > 1) fail(text.size(), "section '" + frames.back().name + "' is never closed");
}

void CompiledTemplate::render_segments(const std::vector<Segment>& segments, const TemplateValues& values,
                                       const TemplateValues::Record* item, std::string& output) {
  for (const Segment& segment : segments) {
    switch (segment.kind) {
      case Segment::Kind::Literal:
        output.append(segment.text);
        break;
      case Segment::Kind::Field:
      case Segment::Kind::ItemField: {
        const std::string& value =
            segment.kind == Segment::Kind::Field ? values.fields[segment.index] : (*item)[segment.index];
        if (segment.escaped) {
          append_html_escaped(output, value);
        } else {
          output.append(value);
        }
        break;
      }
      case Segment::Kind::FlagSection:
        if (values.flags[segment.index] != segment.inverted) render_segments(segment.children, values, item, output);
        break;
      case Segment::Kind::ListSection: {
        const std::vector<TemplateValues::Record>& records = values.lists[segment.index];
        if (segment.inverted) {
          if (records.empty()) render_segments(segment.children, values, item, output);
        } else {
          for (const TemplateValues::Record& record : records) render_segments(segment.children, values, &record, output);
        }
        break;
      }
    }
  }
}

void CompiledTemplate::render(const TemplateValues& values, std::string& output) const {
  // The schema fixed these shapes at compile time; a mismatch is a programming error that would
  // otherwise read out of bounds.
  if (values.fields.size() != field_count_ || values.flags.size() != flag_count_ ||
      values.lists.size() != item_field_counts_.size()) {
    throw std::invalid_argument("template values do not match the template's schema");
  }
  for (std::size_t list = 0; list < item_field_counts_.size(); ++list) {
    for (const TemplateValues::Record& record : values.lists[list]) {
      if (record.size() != item_field_counts_[list]) {
        throw std::invalid_argument("a list item does not match the template's schema");
      }
    }
  }
  render_segments(segments_, values, nullptr, output);
}

std::string CompiledTemplate::render(const TemplateValues& values) const {
  std::string output;
  output.reserve(literal_size_ + literal_size_ / 4);
  render(values, output);
  return output;
}

}  // namespace tr1l::invoicing
