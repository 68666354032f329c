#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <deque>

namespace farmchat {

// The farm's process output as the Logs dock shows it: the most recent lines
// of every process, bounded, with the filter the dock applies (one process or
// all, and a case-insensitive text). The dock re-renders from here when the
// filter changes and appends matching lines as they come.
class LogBuffer : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDefaultCapacity = 5000;

    struct Line
    {
        QString process;
        QString text;
        QString time; // "HH:mm:ss.zzz" when it arrived
    };

    explicit LogBuffer(int capacity = kDefaultCapacity, QObject *parent = nullptr);

    void append(const QString &process, const QString &text);
    void clear();

    int size() const { return int(m_lines.size()); }
    int capacity() const { return m_capacity; }
    // Processes seen so far, in order of first appearance.
    QStringList processes() const { return m_processes; }

    // `process` empty: every process. `text` empty: every line.
    static bool matches(const Line &line, const QString &process, const QString &text);
    // "12:00:01.234 node-9090 | listening ..." for display.
    static QString format(const Line &line);
    // The formatted kept lines that match, oldest first.
    QStringList filtered(const QString &process, const QString &text) const;

Q_SIGNALS:
    void lineAdded(const farmchat::LogBuffer::Line &line);
    void processAdded(const QString &process);
    void cleared();

private:
    std::deque<Line> m_lines;
    QStringList m_processes;
    int m_capacity;
};

} // namespace farmchat
