-- When each person last read a student's comment threads (the counselor's student page, the
-- student's own pages): replies written after it are unread for them.
CREATE TABLE comment_reads (
    user_id     BIGINT NOT NULL,
    student_id  BIGINT NOT NULL,
    read_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, student_id)
);
