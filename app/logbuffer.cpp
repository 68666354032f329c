#include "app/logbuffer.h"

#include <QTime>

namespace farmchat {

LogBuffer::LogBuffer(int capacity, QObject *parent) : QObject(parent), m_capacity(qMax(1, capacity))
{ }

void LogBuffer::append(const QString &process, const QString &text)
{
    if (!m_processes.contains(process)) {
        m_processes << process;
        Q_EMIT processAdded(process);
    }
    Line line {process, text, QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz"))};
    m_lines.push_back(line);
    while (m_lines.size() > size_t(m_capacity))
        m_lines.pop_front();
    Q_EMIT lineAdded(line);
}

void LogBuffer::clear()
{
    m_lines.clear();
    m_processes.clear();
    Q_EMIT cleared();
}

bool LogBuffer::matches(const Line &line, const QString &process, const QString &text)
{
    if (!process.isEmpty() && line.process != process)
        return false;
    return text.isEmpty() || line.text.contains(text, Qt::CaseInsensitive)
        || line.process.contains(text, Qt::CaseInsensitive);
}

QString LogBuffer::format(const Line &line)
{
    return line.time + u' ' + line.process + QStringLiteral(" | ") + line.text;
}

QStringList LogBuffer::filtered(const QString &process, const QString &text) const
{
    QStringList out;
    for (const Line &line : m_lines) {
        if (matches(line, process, text))
            out << format(line);
    }
    return out;
}

} // namespace farmchat
