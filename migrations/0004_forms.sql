CREATE TABLE "featured_activities" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"message_id" bigint NOT NULL,
	"document_id" bigint NOT NULL,
	"school_id" integer,
	"submitted_at" timestamp with time zone NOT NULL,
	"seq" integer,
	"organizer" text,
	"held_on" text,
	"place" text,
	"name" text,
	"intro" text,
	"outcome" text
);
--> statement-breakpoint
CREATE TABLE "info_forms" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"message_id" bigint NOT NULL,
	"document_id" bigint NOT NULL,
	"school_id" integer,
	"submitted_at" timestamp with time zone NOT NULL,
	"unit_name" text,
	"contact_name" text,
	"contact_title" text,
	"mobile" text,
	"qq" text,
	"website_url" text,
	"plan_text" text,
	"featured_text" text,
	"filler_name" text,
	"filler_phone" text
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"message_id" bigint NOT NULL,
	"document_id" bigint NOT NULL,
	"school_id" integer,
	"submitted_at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"title" text,
	"activity_day" date,
	"char_count" integer NOT NULL,
	"image_count" integer NOT NULL,
	"missing_sections" text[] DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_forms" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"message_id" bigint NOT NULL,
	"document_id" bigint NOT NULL,
	"school_id" integer,
	"submitted_at" timestamp with time zone NOT NULL,
	"row_index" integer DEFAULT 0 NOT NULL,
	"unit_name" text,
	"schools_participating" integer,
	"teachers" integer,
	"students" integer,
	"student_coverage_pct" numeric,
	"enterprises" integer,
	"total_participants" integer,
	"activity_items" integer,
	"media_reports_total" integer,
	"media_reports_by_level" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "featured_activities" ADD CONSTRAINT "featured_activities_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "featured_activities" ADD CONSTRAINT "featured_activities_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "featured_activities" ADD CONSTRAINT "featured_activities_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "featured_activities" ADD CONSTRAINT "featured_activities_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "info_forms" ADD CONSTRAINT "info_forms_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "info_forms" ADD CONSTRAINT "info_forms_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "info_forms" ADD CONSTRAINT "info_forms_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "info_forms" ADD CONSTRAINT "info_forms_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stats_forms" ADD CONSTRAINT "stats_forms_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stats_forms" ADD CONSTRAINT "stats_forms_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stats_forms" ADD CONSTRAINT "stats_forms_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stats_forms" ADD CONSTRAINT "stats_forms_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "info_forms_school" ON "info_forms" USING btree ("campaign_id","school_id","submitted_at");--> statement-breakpoint
CREATE INDEX "stats_forms_school" ON "stats_forms" USING btree ("campaign_id","school_id","submitted_at");