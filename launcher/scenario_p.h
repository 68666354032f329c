#pragma once

#include "core/result.h"
#include "launcher/controlcommand_p.h"
#include "launcher/scenario.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>

#include <initializer_list>
#include <optional>

namespace farmchat {

// Typed reads of a scenario file's JSON values: each failure says
// "FILE: FIELD: what is wrong", so the author knows where to look.
class ScenarioReader
{
public:
    explicit ScenarioReader(QString source) : m_source(std::move(source)) { }

    QString message(const QString &field, const QString &what) const;
    Result<void> fail(const QString &field, const QString &what) const
    {
        return Result<void>::failure(message(field, what));
    }
    template<typename T> Result<T> failed(const QString &field, const QString &what) const
    {
        return Result<T>::failure(message(field, what));
    }

    // An object whose keys are all in `allowed` (empty: any key); undefined
    // is an empty object when `optional`.
    Result<QJsonObject> object(const QString &field, const QJsonValue &value,
        std::initializer_list<const char *> allowed, bool optional = false) const;
    Result<QJsonArray> array(
        const QString &field, const QJsonValue &value, int minSize, int maxSize) const;
    Result<QString> text(const QString &field, const QJsonValue &value, int minChars, int maxChars,
        std::optional<QString> fallback = std::nullopt) const;
    // A client or room name: what the node accepts as a room name.
    Result<QString> name(const QString &field, const QJsonValue &value) const;
    // An optional array of names (undefined: none).
    Result<QStringList> names(const QString &field, const QJsonValue &value) const;
    Result<int> integer(const QString &field, const QJsonValue &value, int min, int max,
        std::optional<int> fallback) const;
    Result<double> number(const QString &field, const QJsonValue &value, double min, double max,
        std::optional<double> fallback) const;
    // graceMs, settleTimeoutMs and timeoutMs of the top object.
    Result<void> timing(const QJsonObject &top, int &graceMs, int &settleMs, int &timeoutMs) const;

private:
    QString m_source;
};

// Reads "steps": each step an object with one verb (phase, send, wait, or
// op with the control channel's arguments), checked against the farm.
class ScenarioStepReader
{
public:
    ScenarioStepReader(const ScenarioReader &reader, Scenario &scenario, ControlFarmView farm,
        QList<ControlOpSpec> ops);
    Result<void> readAll(const QJsonValue &steps) const;

private:
    Result<ScenarioStep> read(const QString &where, const QJsonValue &value) const;
    Result<ScenarioStep> readSend(const QString &where, const QJsonValue &value) const;
    Result<ScenarioStep> readWait(const QString &where, const QJsonValue &value) const;
    Result<ScenarioStep> readControl(const QString &where, const QJsonObject &object) const;

    const ScenarioReader &m_r;
    Scenario &m_scenario;
    ControlFarmView m_farm;
    QList<ControlOpSpec> m_ops;
};

// Reads "expect": objects of optional "phase" and "mode" and one or more
// measures, each {"min": x, "max": y}, a number (exactly) or, for a
// boolean measure, true or false.
Result<void> readExpectations(
    const ScenarioReader &reader, const QJsonValue &value, Scenario &scenario);

} // namespace farmchat
