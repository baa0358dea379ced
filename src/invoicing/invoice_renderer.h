// Turns an ISSUED bill into its two invoice documents (SPEC §5): the HTML e-mail and the SMS text.
// Templates are mustache files under templates/, built into the binary and compiled once; every
// personal value is masked here, so callers hand over plaintext and never see it rendered.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "domain/bill.h"
#include "domain/calendar.h"
#include "invoicing/compiled_template.h"
#include "invoicing/euc_kr.h"

namespace tr1l::invoicing {

// The customer's personal data, decrypted by the caller. Only masked forms are ever rendered.
struct InvoiceSubject {
  std::string name;
  std::optional<std::string> phone;
};

// What the operator configures. The due date must fall after the billing month (render refuses
// anything else, so a forgotten due date cannot print 1970년 1월 1일 on a million invoices).
struct InvoiceSettings {
  domain::Date due_date;
  std::string support_phone = "114";
  std::string support_email = "support@tr1l.example";
  std::string brand = "TR1L";  // header, invoice number prefix and SMS prefix
};

// The default payment due date: the 25th of the month after the billing month.
domain::Date default_due_date(const domain::YearMonth& billing_month);

// Settings with the default due date for `billing_month` and the default contacts and brand.
InvoiceSettings default_invoice_settings(const domain::YearMonth& billing_month);

// "TR1L-202610-000012345": brand, billing month, user id padded to nine digits.
std::string invoice_number(std::string_view brand, const domain::YearMonth& month, domain::UserId user_id);

struct RenderedInvoice {
  std::string email_html;  // UTF-8 HTML; store gzip(email_html) as email/bill.gz
  std::string sms_text;    // UTF-8 text, at most kSmsByteLimit bytes in EUC-KR
};

inline constexpr std::size_t kSmsByteLimit = 90;

inline constexpr std::string_view kEmailTemplateName = "templates/invoice_email.html.mustache";
inline constexpr std::string_view kSmsTemplateName = "templates/invoice_sms.txt.mustache";

class InvoiceRenderer {
 public:
  // Compiles the templates built into the binary.
  InvoiceRenderer();
  // Compiles invoice_email.html.mustache and invoice_sms.txt.mustache from `template_directory`,
  // so an operator can restyle invoices without a rebuild. Throws when a file is missing or bad.
  explicit InvoiceRenderer(const std::filesystem::path& template_directory);
  // Compiles the given template texts (tests).
  InvoiceRenderer(std::string email_template, std::string sms_template);

  // Renders both documents. Safe to call from many threads at once. Throws std::invalid_argument
  // naming the user for a bill that is not ISSUED or whose amounts do not add up or a due date
  // that is not after the billing month, and
  // std::runtime_error naming the user when the SMS cannot be brought within 90 EUC-KR bytes.
  RenderedInvoice render(const domain::Bill& bill, const InvoiceSubject& subject,
                         const InvoiceSettings& settings) const;

  // What the templates are given, exposed so tests and benchmarks can feed the same values to
  // the reference mustache implementation and compare. The SMS values are those of the first,
  // unshortened attempt.
  static const TemplateSchema& email_schema();
  static const TemplateSchema& sms_schema();
  TemplateValues email_values(const domain::Bill& bill, const InvoiceSubject& subject,
                              const InvoiceSettings& settings) const;
  TemplateValues sms_values(const domain::Bill& bill, const InvoiceSubject& subject,
                            const InvoiceSettings& settings) const;
  const std::string& email_template() const { return email_template_; }
  const std::string& sms_template() const { return sms_template_; }

 private:
  std::string render_sms(const domain::Bill& bill, const InvoiceSubject& subject,
                         const InvoiceSettings& settings) const;

  std::string email_template_;
  std::string sms_template_;
  CompiledTemplate email_;
  CompiledTemplate sms_;
};

}  // namespace tr1l::invoicing
