// The "steps" and "expect" parts of a scenario file.

#include "launcher/scenario_p.h"

#include <QJsonDocument>

namespace farmchat {

namespace {

const QString kFirstPhase = QStringLiteral("start");

// What the runner does with these is not a farm change a step can make.
bool isScenarioOp(const QString &op)
{
    return op != u"status" && op != u"stop";
}

QStringList phasesOf(const Scenario &s)
{
    QStringList phases {kFirstPhase};
    for (const ScenarioStep &step : s.steps) {
        if (step.kind == ScenarioStep::Kind::Phase && !phases.contains(step.phase))
            phases << step.phase;
    }
    return phases;
}

Result<void> readBound(const ScenarioReader &r, ScenarioExpectation &e, const QJsonValue &value)
{
    if (ScenarioExpectation::isBoolean(e.measure)) {
        if (!value.isBool())
            return r.fail(e.where, QStringLiteral("takes true or false"));
        e.min = e.max = value.toBool() ? 1 : 0;
        return {};
    }
    constexpr double kLimit = 1e9;
    if (value.isDouble()) {
        const auto exact = r.number(e.where, value, 0, kLimit, std::nullopt);
        if (!exact)
            return Result<void>::failure(exact.error());
        e.min = e.max = *exact;
        return {};
    }
    const auto object = r.object(e.where, value, {"min", "max"});
    if (!object)
        return Result<void>::failure(object.error());
    if (object->isEmpty())
        return r.fail(e.where, QStringLiteral("takes a number, or min and/or max"));
    for (const char *key : {"min", "max"}) {
        const QJsonValue bound = object->value(QLatin1String(key));
        if (bound.isUndefined())
            continue;
        const auto number
            = r.number(e.where + u'.' + QLatin1String(key), bound, 0, kLimit, std::nullopt);
        if (!number)
            return Result<void>::failure(number.error());
        (key[1] == 'i' ? e.min : e.max) = *number;
    }
    if (e.min && e.max && *e.min > *e.max)
        return r.fail(e.where, QStringLiteral("min is above max: nothing can pass"));
    return {};
}

} // namespace

ScenarioStepReader::ScenarioStepReader(const ScenarioReader &reader, Scenario &scenario,
    ControlFarmView farm, QList<ControlOpSpec> ops)
    : m_r(reader), m_scenario(scenario), m_farm(std::move(farm)), m_ops(std::move(ops))
{ }

Result<void> ScenarioStepReader::readAll(const QJsonValue &steps) const
{
    const auto items = m_r.array(QStringLiteral("steps"), steps, 1, Scenario::kMaxSteps);
    if (!items)
        return Result<void>::failure(items.error());
    qint64 messages = 0;
    for (qsizetype i = 0; i < items->size(); ++i) {
        const QString where = QStringLiteral("steps[%1]").arg(i);
        auto step = read(where, items->at(i));
        if (!step)
            return Result<void>::failure(step.error());
        step->where = where;
        if (step->kind == ScenarioStep::Kind::Send)
            messages += qint64(step->count) * step->from.size();
        if (messages > Scenario::kMaxMessages)
            return m_r.fail(where,
                QStringLiteral("the run would send %1 messages, over the limit of %2")
                    .arg(messages)
                    .arg(Scenario::kMaxMessages));
        m_scenario.steps.append(*step);
    }
    return {};
}

Result<ScenarioStep> ScenarioStepReader::read(const QString &where, const QJsonValue &value) const
{
    using R = Result<ScenarioStep>;
    const auto object = m_r.object(where, value, {});
    if (!object)
        return R::failure(object.error());
    if (object->contains(u"op"))
        return readControl(where, *object);
    if (object->size() != 1)
        return m_r.failed<ScenarioStep>(
            where, QStringLiteral("takes one of phase, send, wait or op (with its arguments)"));
    const QString verb = object->begin().key();
    const QJsonValue body = object->begin().value();
    if (verb == u"phase") {
        const auto phase = m_r.name(where + QStringLiteral(".phase"), body);
        if (!phase)
            return R::failure(phase.error());
        ScenarioStep step;
        step.kind = ScenarioStep::Kind::Phase;
        step.phase = *phase;
        return step;
    }
    if (verb == u"send")
        return readSend(where + QStringLiteral(".send"), body);
    if (verb == u"wait")
        return readWait(where + QStringLiteral(".wait"), body);
    return m_r.failed<ScenarioStep>(where,
        QStringLiteral("unknown step '%1' (known: phase, send, wait, op)").arg(verb.left(40)));
}

Result<ScenarioStep> ScenarioStepReader::readSend(
    const QString &where, const QJsonValue &value) const
{
    using R = Result<ScenarioStep>;
    const auto object = m_r.object(where, value, {"from", "room", "count", "rate"});
    if (!object)
        return R::failure(object.error());
    ScenarioStep step;
    step.kind = ScenarioStep::Kind::Send;
    const QJsonValue from = object->value(u"from");
    if (from.toString() == u"*") {
        for (const ScenarioClient &client : std::as_const(m_scenario.clients))
            step.from << client.name;
    } else {
        const auto names = from.isString()
            ? m_r.names(where + QStringLiteral(".from"), QJsonArray {from})
            : m_r.names(where + QStringLiteral(".from"), from);
        if (!names)
            return R::failure(names.error());
        step.from = *names;
    }
    if (step.from.isEmpty())
        return m_r.failed<ScenarioStep>(where + QStringLiteral(".from"),
            QStringLiteral("names no client (a name, a list of names, or \"*\" for all)"));
    const auto room = object->contains(u"room")
        ? m_r.name(where + QStringLiteral(".room"), object->value(u"room"))
        : Result<QString>(QStringLiteral("lobby"));
    if (!room)
        return R::failure(room.error());
    step.room = *room;
    for (const QString &name : std::as_const(step.from)) {
        const auto client = std::find_if(m_scenario.clients.cbegin(), m_scenario.clients.cend(),
            [&name](const ScenarioClient &c) { return c.name == name; });
        if (client == m_scenario.clients.cend())
            return m_r.failed<ScenarioStep>(where + QStringLiteral(".from"),
                QStringLiteral("no client is named '%1'").arg(name));
        if (!client->rooms.contains(step.room))
            return m_r.failed<ScenarioStep>(where + QStringLiteral(".room"),
                QStringLiteral("client '%1' is not in room '%2' (add it to its rooms)")
                    .arg(name, step.room));
    }
    const auto count = m_r.integer(
        where + QStringLiteral(".count"), object->value(u"count"), 1, Scenario::kMaxMessages, 1);
    const auto rate
        = m_r.number(where + QStringLiteral(".rate"), object->value(u"rate"), 0.1, 1000, 10);
    if (!count || !rate)
        return R::failure(!count ? count.error() : rate.error());
    step.count = *count;
    step.rate = *rate;
    return step;
}

Result<ScenarioStep> ScenarioStepReader::readWait(
    const QString &where, const QJsonValue &value) const
{
    using R = Result<ScenarioStep>;
    ScenarioStep step;
    step.kind = ScenarioStep::Kind::Wait;
    if (value.isDouble()) {
        const auto ms = m_r.integer(where, value, 0, Scenario::kMaxWaitMs, std::nullopt);
        if (!ms)
            return R::failure(ms.error());
        step.ms = *ms;
        return step;
    }
    const auto object = m_r.object(where, value, {"ms", "until"});
    if (!object)
        return R::failure(object.error());
    const QJsonValue until = object->value(u"until");
    if (until.toString() == u"settled")
        step.until = ScenarioStep::Until::Settled;
    else if (until.toString() == u"connected")
        step.until = ScenarioStep::Until::Connected;
    else if (until.toString() == u"backplane")
        step.until = ScenarioStep::Until::Backplane;
    else if (!until.isUndefined())
        return m_r.failed<ScenarioStep>(where + QStringLiteral(".until"),
            QStringLiteral("takes \"settled\", \"connected\" or \"backplane\""));
    const bool bounded = step.until != ScenarioStep::Until::Time;
    const auto ms = m_r.integer(where + QStringLiteral(".ms"), object->value(u"ms"), 0,
        Scenario::kMaxWaitMs, bounded ? std::optional<int>(30000) : std::nullopt);
    if (!ms)
        return R::failure(ms.error());
    step.ms = *ms;
    return step;
}

Result<ScenarioStep> ScenarioStepReader::readControl(
    const QString &where, const QJsonObject &object) const
{
    if (object.contains(u"id"))
        return m_r.failed<ScenarioStep>(
            where + QStringLiteral(".id"), QStringLiteral("is the runner's; leave it out"));
    const QString op = object.value(u"op").toString();
    if (!isScenarioOp(op))
        return m_r.failed<ScenarioStep>(where + QStringLiteral(".op"),
            QStringLiteral("'%1' is not a step: the runner asks for status and stops the "
                           "farm itself")
                .arg(op));
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    const ControlRequest request = parseControlLine(line, m_ops, m_farm);
    if (!request.command)
        return m_r.failed<ScenarioStep>(where, request.command.error());
    ScenarioStep step;
    step.kind = ScenarioStep::Kind::Control;
    step.op = op;
    step.controlLine = line;
    return step;
}

Result<void> readExpectations(const ScenarioReader &r, const QJsonValue &value, Scenario &scenario)
{
    if (value.isUndefined())
        return {};
    const auto items = r.array(QStringLiteral("expect"), value, 0, 200);
    if (!items)
        return Result<void>::failure(items.error());
    const QStringList phases = phasesOf(scenario);
    const QStringList measures = ScenarioExpectation::measures();
    for (qsizetype i = 0; i < items->size(); ++i) {
        const QString where = QStringLiteral("expect[%1]").arg(i);
        const auto object = r.object(where, items->at(i), {});
        if (!object)
            return Result<void>::failure(object.error());
        ScenarioExpectation base;
        if (object->contains(u"phase")) {
            base.phase = object->value(u"phase").toString();
            if (!phases.contains(base.phase))
                return r.fail(where + QStringLiteral(".phase"),
                    QStringLiteral("no step starts phase '%1' (phases: %2)")
                        .arg(base.phase.left(64), phases.join(u", ")));
        }
        if (object->contains(u"mode")) {
            const auto mode = parseBackplaneMode(object->value(u"mode").toString());
            if (!mode)
                return r.fail(where + QStringLiteral(".mode"), mode.error());
            base.mode = mode.value();
        }
        int checks = 0;
        for (auto it = object->begin(); it != object->end(); ++it) {
            if (it.key() == u"phase" || it.key() == u"mode")
                continue;
            ScenarioExpectation e = base;
            e.where = where + u'.' + it.key();
            e.measure = it.key();
            if (!measures.contains(e.measure))
                return r.fail(where,
                    QStringLiteral("unknown measure '%1' (known: %2)")
                        .arg(e.measure.left(40), measures.join(u", ")));
            if (const auto bound = readBound(r, e, it.value()); !bound)
                return bound;
            scenario.expectations.append(e);
            ++checks;
        }
        if (checks == 0)
            return r.fail(where, QStringLiteral("checks nothing: add a measure"));
    }
    return {};
}

} // namespace farmchat
