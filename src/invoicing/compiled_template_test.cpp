#include "invoicing/compiled_template.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "invoicing/kainjow_reference.h"

namespace tr1l::invoicing {
namespace {

const TemplateSchema& schema() {
  static const TemplateSchema instance{{"title", "note"}, {"shown", "hidden"}, {{"rows", {"name", "amount"}}}};
  return instance;
}

TemplateValues sample_values() {
  TemplateValues values(schema());
  values.fields = {"Bill & <Co>", "it's \"fine\""};
  values.flags = {true, false};
  values.lists[0] = {{"plan", "₩33,000"}, {"<add-on>", "₩6,500"}};
  return values;
}

std::string render(std::string_view text, const TemplateValues& values = sample_values()) {
  return CompiledTemplate(text, schema(), "test").render(values);
}

std::string error_of(std::string_view text) {
  try {
    CompiledTemplate(text, schema(), "test.mustache");
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no error";
}

TEST(InvoiceTemplate, EscapesDoubleBracesAndInsertsTripleBracesAsIs) {
  EXPECT_EQ(render("{{title}}|{{{title}}}|{{& title}}|{{ note }}"),
            "Bill &amp; &lt;Co&gt;|Bill & <Co>|Bill & <Co>|it&#39;s &quot;fine&quot;");
}

TEST(InvoiceTemplate, HtmlEscapeCoversEverySpecialCharacterAndKeepsUtf8) {
  std::string output;
  append_html_escaped(output, "a&b<c>d\"e'f 김*준 ₩1,000");
  EXPECT_EQ(output, "a&amp;b&lt;c&gt;d&quot;e&#39;f 김*준 ₩1,000");
  output.clear();
  append_html_escaped(output, "");
  EXPECT_EQ(output, "");
}

TEST(InvoiceTemplate, FlagSectionsAndInvertedSections) {
  EXPECT_EQ(render("[{{#shown}}yes{{/shown}}][{{#hidden}}no{{/hidden}}][{{^hidden}}not hidden{{/hidden}}]"),
            "[yes][][not hidden]");
}

TEST(InvoiceTemplate, ListSectionsRepeatPerItemAndSeeTopLevelValues) {
  EXPECT_EQ(render("{{#rows}}<{{name}}={{amount}} in {{{title}}}>{{/rows}}"),
            "<plan=₩33,000 in Bill & <Co>><&lt;add-on&gt;=₩6,500 in Bill & <Co>>");
  TemplateValues empty = sample_values();
  empty.lists[0].clear();
  EXPECT_EQ(render("a{{#rows}}{{name}}{{/rows}}b{{^rows}}none{{/rows}}", empty), "abnone");
  EXPECT_EQ(render("{{^rows}}none{{/rows}}"), "");
}

TEST(InvoiceTemplate, StandaloneSectionAndCommentLinesDisappear) {
  const std::string text =
      "<table>\n"
      "  {{#rows}}\n"
      "  <tr>{{name}}</tr>\n"
      "  {{/rows}}\n"
      "{{! a comment\n"
      "    over two lines }}\n"
      "\t{{#hidden}}\r\n"
      "  secret\n"
      "{{/hidden}}   \n"
      "</table>\n";
  EXPECT_EQ(render(text), "<table>\n  <tr>plan</tr>\n  <tr>&lt;add-on&gt;</tr>\n</table>\n");
}

TEST(InvoiceTemplate, TagsSharingALineWithTextKeepTheLine) {
  EXPECT_EQ(render("a {{#shown}}\nb\n{{/shown}} c\n"), "a \nb\n c\n");
  EXPECT_EQ(render("{{! note }}<!DOCTYPE html>\n"), "<!DOCTYPE html>\n");
  EXPECT_EQ(render("x\n{{#shown}}\ny\n{{/shown}}"), "x\ny\n");  // standalone at the very end
}

TEST(InvoiceTemplate, RejectsWhatItDoesNotSupportNamingTheLine) {
  EXPECT_EQ(error_of("a\nb {{titel}}"), "template test.mustache line 2: unknown value 'titel'");
  EXPECT_EQ(error_of("{{#rows}}{{#rows}}{{/rows}}{{/rows}}"),
            "template test.mustache line 1: list 'rows' inside another list");
  EXPECT_EQ(error_of("{{#shown}}\n\n{{/rows}}"), "template test.mustache line 3: 'rows' closes section 'shown'");
  EXPECT_EQ(error_of("{{/shown}}"), "template test.mustache line 1: 'shown' closes no open section");
  EXPECT_EQ(error_of("{{#shown}}x"), "template test.mustache line 1: section 'shown' is never closed");
  EXPECT_EQ(error_of("x {{title"), "template test.mustache line 1: tag is never closed");
  EXPECT_EQ(error_of("{{> header}}"), "template test.mustache line 1: partials are not supported");
  EXPECT_EQ(error_of("{{=<% %>=}}"), "template test.mustache line 1: delimiter changes are not supported");
  EXPECT_EQ(error_of("{{rows}}"), "template test.mustache line 1: 'rows' is a section, not a value");
  EXPECT_EQ(error_of("{{#title}}{{/title}}"), "template test.mustache line 1: 'title' is a value, not a flag or list");
  EXPECT_EQ(error_of("{{unknown}}"), "template test.mustache line 1: unknown value 'unknown'");
  EXPECT_EQ(error_of("{{#nothing}}{{/nothing}}"), "template test.mustache line 1: unknown section 'nothing'");
  EXPECT_EQ(error_of("{{rows.name}}"),
            "template test.mustache line 1: 'rows.name' is not a plain name (letters, digits and _)");
  EXPECT_EQ(error_of("{{name}}"), "template test.mustache line 1: unknown value 'name'");  // item field outside its list
  EXPECT_EQ(error_of("{{^rows}}{{name}}{{/rows}}"), "template test.mustache line 1: unknown value 'name'");
}

TEST(InvoiceTemplate, RefusesValuesThatDoNotMatchTheSchema) {
  const CompiledTemplate compiled("{{title}}", schema(), "test");
  TemplateValues too_few;
  EXPECT_THROW(compiled.render(too_few), std::invalid_argument);
  TemplateValues short_record = sample_values();
  short_record.lists[0].push_back({"only a name"});
  EXPECT_THROW(compiled.render(short_record), std::invalid_argument);
}

TEST(InvoiceTemplate, AgreesWithKainjowMustache) {
  const std::string text =
      "<h1>{{title}}</h1>{{! comment }}\n"
      "<p>{{{note}}} {{&note}} {{note}}</p>\n"
      "<ul>{{#rows}}<li>{{name}}: {{amount}} ({{title}})</li>{{/rows}}</ul>\n"
      "{{#shown}}<b>shown</b>{{/shown}}{{#hidden}}<i>hidden</i>{{/hidden}}{{^hidden}}<i>not hidden</i>{{/hidden}}\n";
  TemplateValues values = sample_values();
  KainjowReference reference(text);
  EXPECT_EQ(render(text, values), reference.render(schema(), values));
  values.lists[0].clear();
  values.flags = {false, true};
  EXPECT_EQ(render(text, values), reference.render(schema(), values));
}

}  // namespace
}  // namespace tr1l::invoicing
