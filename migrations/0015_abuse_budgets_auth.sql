CREATE TABLE "budget_grants" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"mailbox_id" integer NOT NULL,
	"raw_sha256" text NOT NULL,
	"sender" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"granted_attachment_bytes" bigint NOT NULL,
	"granted_archive_bytes" bigint NOT NULL,
	"granted_files" integer NOT NULL,
	"used_attachment_bytes" bigint,
	"used_archive_bytes" bigint,
	"used_files" integer,
	"sender_limited" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "auth_details" jsonb;--> statement-breakpoint
ALTER TABLE "budget_grants" ADD CONSTRAINT "budget_grants_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_grants" ADD CONSTRAINT "budget_grants_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "budget_grants_mail" ON "budget_grants" USING btree ("mailbox_id","raw_sha256");--> statement-breakpoint
CREATE INDEX "budget_grants_sender" ON "budget_grants" USING btree ("campaign_id","sender","received_at");