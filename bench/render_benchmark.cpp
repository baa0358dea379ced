// Per-customer cost of invoice generation (SPEC §5): rendering the e-mail and SMS invoices of a
// representative bill (the worked example of SPEC §4: a plan, excess data, two add-ons, three
// discounts) and gzipping the e-mail, as the invoice job does for every customer. The kainjow
// benchmark is the reference mustache implementation, for comparison.
#include <benchmark/benchmark.h>

#include "common/gzip.h"
#include "invoicing/invoice_renderer.h"
#include "invoicing/kainjow_reference.h"

namespace {

using namespace tr1l;

domain::Bill representative_bill() {
  domain::Bill bill;
  bill.month = {2026, 10};
  bill.user_id = 12345;
  bill.plan_code = "PLN-043";
  bill.plan_name = "(LTE) 데이터 33";
  bill.plan_charge = domain::Won(33000);
  bill.excess_data = domain::Won(632);
  bill.add_ons = domain::Won(11450);
  bill.subtotal = domain::Won(45082);
  bill.contract_discount = domain::Won(8250);
  bill.military_discount = domain::Won(4950);
  bill.welfare_discount = domain::Won(7151);
  bill.total = domain::Won(24731);
  bill.supply_value = domain::Won(22482);
  bill.vat = domain::Won(2249);
  using domain::LineKind;
  bill.lines = {{LineKind::Plan, "PLN-043", "(LTE) 데이터 33", domain::Won(33000)},
                {LineKind::ExcessData, "", "데이터 초과 사용료", domain::Won(632)},
                {LineKind::AddOn, "OPT-0003", "넷플릭스", domain::Won(6500)},
                {LineKind::AddOn, "OPT-0006", "티빙", domain::Won(4950)},
                {LineKind::ContractDiscount, "", "선택약정 할인", domain::Won(8250)},
                {LineKind::MilitaryDiscount, "", "현역병사 할인", domain::Won(4950)},
                {LineKind::WelfareDiscount, "WLF-03", "국가 유공자 할인", domain::Won(7151)}};
  return bill;
}

struct Fixture {
  invoicing::InvoiceRenderer renderer;
  domain::Bill bill = representative_bill();
  invoicing::InvoiceSubject subject{"김민준", "010-1234-5678"};
  invoicing::InvoiceSettings settings = invoicing::default_invoice_settings(bill.month);
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

void BM_RenderBothDocuments(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(f.renderer.render(f.bill, f.subject, f.settings));
}
BENCHMARK(BM_RenderBothDocuments);

void BM_GzipEmail(benchmark::State& state) {
  Fixture& f = fixture();
  const std::string html = f.renderer.render(f.bill, f.subject, f.settings).email_html;
  for (auto _ : state) benchmark::DoNotOptimize(common::gzip(html, static_cast<int>(state.range(0))));
  state.counters["html_bytes"] = static_cast<double>(html.size());
  state.counters["gzip_bytes"] = static_cast<double>(common::gzip(html, static_cast<int>(state.range(0))).size());
}
BENCHMARK(BM_GzipEmail)->Arg(1)->Arg(6);

// The headline number: everything the invoice job spends per customer on documents.
void BM_RenderAndGzipPerCustomer(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    invoicing::RenderedInvoice invoice = f.renderer.render(f.bill, f.subject, f.settings);
    std::string compressed = common::gzip(invoice.email_html, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(compressed);
    benchmark::DoNotOptimize(invoice.sms_text);
  }
}
BENCHMARK(BM_RenderAndGzipPerCustomer)->Arg(6)->Arg(1);

void BM_KainjowReferenceRender(benchmark::State& state) {
  Fixture& f = fixture();
  invoicing::KainjowReference email(f.renderer.email_template());
  invoicing::KainjowReference sms(f.renderer.sms_template());
  for (auto _ : state) {
    benchmark::DoNotOptimize(email.render(invoicing::InvoiceRenderer::email_schema(),
                                          f.renderer.email_values(f.bill, f.subject, f.settings)));
    benchmark::DoNotOptimize(
        sms.render(invoicing::InvoiceRenderer::sms_schema(), f.renderer.sms_values(f.bill, f.subject, f.settings)));
  }
}
BENCHMARK(BM_KainjowReferenceRender);

}  // namespace

BENCHMARK_MAIN();
