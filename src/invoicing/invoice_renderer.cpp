#include "invoicing/invoice_renderer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/embedded_resources.h"
#include "domain/masking.h"
#include "domain/money.h"

namespace tr1l::invoicing {
namespace {

using domain::Bill;
using domain::Won;

// Slot numbers of the e-mail template's values; the schema below lists the names in this order.
namespace email {
enum Field : std::size_t {
  kBrand, kInvoiceNumber, kBillingMonth, kDueDate, kCustomerName, kCustomerPhone, kPlanName,
  kSubtotal, kTotalDiscount, kSupplyValue, kVat, kAmountDue, kSupportPhone, kSupportEmail, kFieldCount
};
enum Flag : std::size_t { kHasPhone, kHasBasicLines, kHasAdditionalLines, kHasDiscountLines, kFlagCount };
enum List : std::size_t { kBasicLines, kAdditionalLines, kDiscountLines, kListCount };
enum ItemField : std::size_t { kItemName, kItemAmount, kItemFieldCount };
}  // namespace email

namespace sms {
enum Field : std::size_t { kBrand, kCustomerName, kBillingMonth, kAmountDue, kDueDate, kSupportPhone, kFieldCount };
enum Flag : std::size_t { kHasName, kFlagCount };
}  // namespace sms

// What the e-mail calls a customer whose masked name is empty ("고객 고객님" beats "  고객님").
constexpr std::string_view kAnonymousName = "고객";

TemplateSchema checked(TemplateSchema schema, std::size_t fields, std::size_t flags, std::size_t lists) {
  // The enums above and the name lists must stay in step; this catches an edit to one alone.
  if (schema.fields.size() != fields || schema.flags.size() != flags || schema.lists.size() != lists) {
    throw std::logic_error("invoice template schema and slot numbers disagree");
  }
  return schema;
}

std::string won(Won amount) { return "₩" + domain::format_grouped(amount); }

// Discounts print as subtractions ("-₩8,250"); nothing subtracted prints as "₩0", not "-₩0".
std::string minus_won(Won amount) { return amount > Won(0) ? "-₩" + domain::format_grouped(amount) : won(amount); }

std::string korean_month(const domain::YearMonth& month) {
  return std::to_string(month.year) + "년 " + std::to_string(month.month) + "월";
}

std::string korean_date(const domain::Date& date) {
  return std::to_string(date.year) + "년 " + std::to_string(date.month) + "월 " + std::to_string(date.day) + "일";
}

// "2026.11.25": the shortest unambiguous date for the byte-counted SMS.
std::string dotted_date(const domain::Date& date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d.%02d.%02d", date.year, date.month, date.day);
  return text;
}

std::string describe(const Bill& bill) {
  return "user " + std::to_string(bill.user_id) + " for " + bill.month.to_string();
}

// Customers must receive invoices whose figures add up, so a bill that does not is refused
// rather than printed.
void check_printable(const Bill& bill) {
  if (bill.status != domain::BillStatus::Issued) {
    throw std::invalid_argument("bill of " + describe(bill) + " is " + std::string(domain::to_string(bill.status)) +
                                " (" + bill.error_code + "); only ISSUED bills have invoices");
  }
  Won charges;
  Won discounts;
  for (const domain::BillLine& line : bill.lines) {
    if (line.amount <= Won(0)) {
      throw std::invalid_argument("bill of " + describe(bill) + " has a line '" + line.name + "' of " +
                                  domain::format_grouped(line.amount) + " won");
    }
    (domain::is_discount(line.kind) ? discounts : charges) += line.amount;
  }
  const Won expected_total = std::max(Won(0), bill.subtotal - bill.total_discount());
  if (charges != bill.subtotal || discounts != bill.total_discount() || bill.total != expected_total ||
      bill.supply_value + bill.vat != bill.total) {
    throw std::invalid_argument("bill of " + describe(bill) +
                                " does not add up (lines, subtotal, discounts, total, supply value and VAT disagree)");
  }
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n";
  const std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

std::string masked_name(std::string_view name) {
  std::string masked = domain::mask_name(name);
  return masked.empty() ? std::string(kAnonymousName) : masked;
}

// Splits valid UTF-8 (masking always produces it) into code points.
std::vector<std::string_view> code_points(std::string_view text) {
  std::vector<std::string_view> points;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto lead = static_cast<unsigned char>(text[position]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    points.push_back(text.substr(position, std::min(length, text.size() - position)));
    position += length;
  }
  return points;
}

// The masked name as the SMS can carry it: a character with no EUC-KR form (an emoji, U+FFFD
// for a broken byte) or a control character that would break the message's lines becomes '*',
// which hides more and never less.
std::string sms_name(std::string_view masked) {
  std::string safe;
  for (const std::string_view point : code_points(masked)) {
    const bool control = point.size() == 1 && (static_cast<unsigned char>(point[0]) < 0x20 || point[0] == 0x7F);
    safe += control || !try_euc_kr_length(point) ? std::string_view("*") : point;
  }
  return safe;
}

// "O*************>" -> "O*>": a shorter mask for an SMS that would not fit otherwise.
std::string shortened_name(std::string_view name) {
  const std::vector<std::string_view> points = code_points(name);
  if (points.size() <= 3) return std::string(name);
  return std::string(points.front()) + "*" + std::string(points.back());
}

std::string trimmed_message(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string embedded_template(std::string_view name) {
  const std::optional<std::string_view> content = embedded::find(name);
  if (!content) throw std::logic_error(std::string(name) + " is not built into the binary");
  return std::string(*content);
}

std::string read_template(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read invoice template " + path.string());
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) throw std::runtime_error("cannot read invoice template " + path.string());
  return content.str();
}

}  // namespace

domain::Date default_due_date(const domain::YearMonth& billing_month) {
  const domain::YearMonth next = billing_month.next();
  return {next.year, next.month, 25};
}

InvoiceSettings default_invoice_settings(const domain::YearMonth& billing_month) {
  InvoiceSettings settings;
  settings.due_date = default_due_date(billing_month);
  return settings;
}

std::string invoice_number(std::string_view brand, const domain::YearMonth& month, domain::UserId user_id) {
  char digits[48];
  std::snprintf(digits, sizeof digits, "-%04d%02d-%09lld", month.year, month.month, static_cast<long long>(user_id));
  return std::string(brand) + digits;
}

const TemplateSchema& InvoiceRenderer::email_schema() {
  static const TemplateSchema schema = checked(
      TemplateSchema{
          {"brand", "invoice_number", "billing_month", "due_date", "customer_name", "customer_phone", "plan_name",
           "subtotal", "total_discount", "supply_value", "vat", "amount_due", "support_phone", "support_email"},
          {"has_phone", "has_basic_lines", "has_additional_lines", "has_discount_lines"},
          {{"basic_lines", {"name", "amount"}}, {"additional_lines", {"name", "amount"}},
           {"discount_lines", {"name", "amount"}}}},
      email::kFieldCount, email::kFlagCount, email::kListCount);
  return schema;
}

const TemplateSchema& InvoiceRenderer::sms_schema() {
  static const TemplateSchema schema = checked(
      TemplateSchema{{"brand", "customer_name", "billing_month", "amount_due", "due_date", "support_phone"},
                     {"has_name"},
                     {}},
      sms::kFieldCount, sms::kFlagCount, 0);
  return schema;
}

InvoiceRenderer::InvoiceRenderer()
    : InvoiceRenderer(embedded_template(kEmailTemplateName), embedded_template(kSmsTemplateName)) {}

InvoiceRenderer::InvoiceRenderer(const std::filesystem::path& template_directory)
    : InvoiceRenderer(read_template(template_directory / "invoice_email.html.mustache"),
                      read_template(template_directory / "invoice_sms.txt.mustache")) {}

InvoiceRenderer::InvoiceRenderer(std::string email_template, std::string sms_template)
    : email_template_(std::move(email_template)),
      sms_template_(std::move(sms_template)),
      email_(email_template_, email_schema(), kEmailTemplateName),
      sms_(sms_template_, sms_schema(), kSmsTemplateName) {}

TemplateValues InvoiceRenderer::email_values(const Bill& bill, const InvoiceSubject& subject,
                                             const InvoiceSettings& settings) const {
  TemplateValues values(email_schema());
  std::vector<std::string>& fields = values.fields;
  fields[email::kBrand] = settings.brand;
  fields[email::kInvoiceNumber] = invoice_number(settings.brand, bill.month, bill.user_id);
  fields[email::kBillingMonth] = korean_month(bill.month);
  fields[email::kDueDate] = korean_date(settings.due_date);
  fields[email::kCustomerName] = masked_name(subject.name);
  const bool has_phone = subject.phone && !trim(*subject.phone).empty();
  if (has_phone) fields[email::kCustomerPhone] = domain::mask_phone(*subject.phone);
  fields[email::kPlanName] = bill.plan_name;
  fields[email::kSubtotal] = won(bill.subtotal);
  fields[email::kTotalDiscount] = minus_won(bill.total_discount());
  fields[email::kSupplyValue] = won(bill.supply_value);
  fields[email::kVat] = won(bill.vat);
  fields[email::kAmountDue] = won(bill.total);
  fields[email::kSupportPhone] = settings.support_phone;
  fields[email::kSupportEmail] = settings.support_email;

  for (const domain::BillLine& line : bill.lines) {
    switch (line.kind) {
      case domain::LineKind::Plan:
        values.lists[email::kBasicLines].push_back({line.name, won(line.amount)});
        break;
      case domain::LineKind::ExcessData:
      case domain::LineKind::AddOn:
        values.lists[email::kAdditionalLines].push_back({line.name, won(line.amount)});
        break;
      case domain::LineKind::ContractDiscount:
      case domain::LineKind::MilitaryDiscount:
      case domain::LineKind::WelfareDiscount:
        values.lists[email::kDiscountLines].push_back({line.name, minus_won(line.amount)});
        break;
    }
  }
  values.flags[email::kHasPhone] = has_phone;
  values.flags[email::kHasBasicLines] = !values.lists[email::kBasicLines].empty();
  values.flags[email::kHasAdditionalLines] = !values.lists[email::kAdditionalLines].empty();
  values.flags[email::kHasDiscountLines] = !values.lists[email::kDiscountLines].empty();
  return values;
}

TemplateValues InvoiceRenderer::sms_values(const Bill& bill, const InvoiceSubject& subject,
                                           const InvoiceSettings& settings) const {
  TemplateValues values(sms_schema());
  values.fields[sms::kBrand] = settings.brand;
  values.fields[sms::kCustomerName] = sms_name(masked_name(subject.name));
  values.fields[sms::kBillingMonth] = korean_month(bill.month);
  values.fields[sms::kAmountDue] = domain::format_grouped(bill.total) + "원";
  values.fields[sms::kDueDate] = dotted_date(settings.due_date);
  values.fields[sms::kSupportPhone] = settings.support_phone;
  values.flags[sms::kHasName] = true;
  return values;
}

std::string InvoiceRenderer::render_sms(const Bill& bill, const InvoiceSubject& subject,
                                        const InvoiceSettings& settings) const {
  TemplateValues values = sms_values(bill, subject, settings);
  // Shorten gracefully before giving up: the full mask, then a shorter mask, then no name at all.
  const std::string full_name = values.fields[sms::kCustomerName];
  const std::array<std::optional<std::string>, 3> names = {full_name, shortened_name(full_name), std::nullopt};
  std::optional<std::size_t> length;
  for (const std::optional<std::string>& name : names) {
    values.flags[sms::kHasName] = name.has_value();
    values.fields[sms::kCustomerName] = name.value_or("");
    std::string text = trimmed_message(sms_.render(values));
    length = try_euc_kr_length(text);
    if (length && *length <= kSmsByteLimit) return text;
  }
  if (!length) {
    throw std::runtime_error("SMS invoice of " + describe(bill) +
                             " has a character with no EUC-KR form; check the SMS template, brand and support number");
  }
  throw std::runtime_error("SMS invoice of " + describe(bill) + " is " + std::to_string(*length) +
                           " bytes in EUC-KR even without the customer's name, over the " +
                           std::to_string(kSmsByteLimit) +
                           "-byte SMS limit; shorten the SMS template, brand or support number");
}

RenderedInvoice InvoiceRenderer::render(const Bill& bill, const InvoiceSubject& subject,
                                        const InvoiceSettings& settings) const {
  check_printable(bill);
  if (settings.due_date <= bill.month.last_day()) {
    throw std::invalid_argument("invoice of " + describe(bill) + ": due date " + settings.due_date.to_string() +
                                " is not after the billing month");
  }
  RenderedInvoice invoice;
  invoice.email_html.reserve(email_.literal_size() + 1024);
  email_.render(email_values(bill, subject, settings), invoice.email_html);
  invoice.sms_text = render_sms(bill, subject, settings);
  return invoice;
}

}  // namespace tr1l::invoicing
