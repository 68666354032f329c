#include "launcher/lbpolicy.h"

#include <array>

namespace farmchat {

namespace {

constexpr std::array kPolicies {
    LbPolicy::None, LbPolicy::RoundRobin, LbPolicy::Sticky, LbPolicy::Source};

} // namespace

QString lbPolicyName(LbPolicy policy)
{
    switch (policy) {
    case LbPolicy::None:
        return QStringLiteral("none");
    case LbPolicy::RoundRobin:
        return QStringLiteral("round-robin");
    case LbPolicy::Sticky:
        return QStringLiteral("sticky");
    case LbPolicy::Source:
        return QStringLiteral("source");
    }
    return {};
}

QStringList lbPolicyNames()
{
    QStringList names;
    for (const LbPolicy policy : kPolicies)
        names << lbPolicyName(policy);
    return names;
}

Result<LbPolicy> parseLbPolicy(const QString &text)
{
    for (const LbPolicy policy : kPolicies) {
        if (text.compare(lbPolicyName(policy), Qt::CaseInsensitive) == 0)
            return policy;
    }
    return Result<LbPolicy>::failure(QStringLiteral("must be one of %1, not '%2'")
                                         .arg(lbPolicyNames().join(QStringLiteral(", ")), text));
}

} // namespace farmchat
