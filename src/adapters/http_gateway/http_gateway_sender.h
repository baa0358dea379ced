// The production SMS and KakaoTalk channel: one JSON POST per message to the operator's HTTP
// gateway,
//
//   {"channel":"SMS"|"KAKAO","to":"010-1234-5678","text":"...","reference":"2026-10/12345/1",
//    "user_id":12345,"month":"2026-10","round":1}
//
// with headers Content-Type: application/json, Idempotency-Key: <attempt id> and, when
// TR1L_GATEWAY_TOKEN is set, Authorization: Bearer <token>. Because every try carries the
// attempt's idempotency key, 429, 5xx and connection failures are retried (see gateway_retry.h)
// without risking a second message. Many threads send at once; each call borrows an idle curl
// handle, so connections stay open between messages. Errors never contain the phone number or the
// token: "gateway 503 after 4 tries", "gateway 400: <start of the gateway's answer>".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/curl/easy_handle_pool.h"
#include "adapters/http_gateway/gateway_settings.h"
#include "ports/channel_sender.h"

namespace tr1l::adapters::http_gateway {

class HttpGatewaySender : public ports::ChannelSender {
 public:
  HttpGatewaySender(GatewaySettings settings, std::optional<std::string> bearer_token);

  // Settings from the URL (see gateway_settings.h), token from TR1L_GATEWAY_TOKEN.
  static std::unique_ptr<HttpGatewaySender> open(std::string_view url);

  std::string_view name() const override { return "http-gateway"; }
  ports::SendResult send(const ports::OutgoingMessage& message) override;

  const GatewaySettings& settings() const { return settings_; }

 private:
  GatewaySettings settings_;
  std::string authorization_header_;  // "Authorization: Bearer ..." or empty
  curl::EasyHandlePool handles_;
};

// The request body for a message (throws nlohmann::json::type_error for text that is not UTF-8).
std::string gateway_request_body(const ports::OutgoingMessage& message);

}  // namespace tr1l::adapters::http_gateway
